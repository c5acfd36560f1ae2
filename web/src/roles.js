// What each role may do, as the services declare it (docs/ops.md, "roles"):
// the dashboard offers only these. The services check again on every call, so
// this table decides what is shown, never what is allowed.

const MAY = {
    submit: ['clerk', 'admin'],           // obs.submit
    withdraw: ['clerk', 'admin'],         // value.withdraw
    talentSearch: ['officer', 'admin'],   // talent.search, talent.audit
    talentReveal: ['officer'],            // talent.reveal: admin is not implied
    talentStats: ['reader', 'officer', 'admin'],
    notifyAdmin: ['admin'],               // rule.add/remove, silence.add/remove, delivery.retry
    approve: ['officer', 'admin'],        // approval.approve, approval.reopen
    projectWrite: ['clerk', 'officer', 'admin'],
    reportIssue: ['officer', 'admin'],    // report.issue (POST /api/v1/report.xlsx)
};

export function may(session, action) {
    return !!session && (MAY[action] || []).includes(session.role);
}
