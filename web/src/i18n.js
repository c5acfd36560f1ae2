// Chinese first, English on a switch. Every word the dashboard shows is here,
// by key; a name the plan gives in both languages (name_zh, name_en) is picked
// with pick(). The choice is kept in localStorage.
import { useEffect, useState } from 'preact/hooks';

const WORDS = {
    app: ['科技创新规划监测', 'STI Monitor'],
    overview: ['总览', 'Overview'],
    orgs: ['组织单位', 'Org units'],
    entry: ['数据填报', 'Data entry'],
    projects: ['项目', 'Projects'],
    talents: ['人才库', 'Talent registry'],
    notifications: ['通知', 'Notifications'],
    feed: ['实时动态', 'Live feed'],
    account: ['账户', 'Account'],
    signin: ['登录', 'Sign in'],
    signout: ['退出', 'Sign out'],
    username: ['用户名', 'User name'],
    password: ['密码', 'Password'],
    current_password: ['当前密码', 'Current password'],
    new_password: ['新密码', 'New password'],
    change_password: ['修改密码', 'Change password'],
    password_changed: ['密码已修改,请重新登录。', 'Password changed: sign in again.'],
    language: ['English', '中文'],
    language_label: ['切换语言', 'Switch language'],
    loading: ['加载中…', 'Loading…'],
    error: ['出错', 'Error'],
    year: ['年度', 'Year'],
    org: ['组织', 'Org unit'],
    all: ['全部', 'All'],
    root_default: ['全区(默认)', 'The district (default)'],
    field: ['领域', 'Field'],
    tag: ['领域与重点工程', 'Field or programme'],
    indicator: ['指标', 'Indicator'],
    latest: ['最新值', 'Latest'],
    period: ['期间', 'Period'],
    target: ['目标', 'Target'],
    completion: ['完成度', 'Completion'],
    expected: ['应完成', 'Expected'],
    status: ['状态', 'Status'],
    projection: ['预测', 'Projection'],
    trend: ['走势', 'Trend'],
    unit: ['单位', 'Unit'],
    value: ['数值', 'Value'],
    baseline: ['基期', 'Baseline'],
    trajectory: ['目标路径', 'Target trajectory'],
    values: ['实际值', 'Values'],
    breakdown: ['按组织分解', 'By org unit'],
    revisions: ['修订记录', 'Revision history'],
    revision: ['版本', 'Revision'],
    origin: ['来源类型', 'Origin'],
    submitter: ['提交人', 'Submitted by'],
    time: ['时间', 'Time'],
    reason: ['原因', 'Reason'],
    source: ['数据来源', 'Source'],
    definition: ['定义', 'Definition'],
    source_line: ['规划原文', 'In the plan'],
    formula: ['计算公式', 'Formula'],
    direction: ['方向', 'Direction'],
    dir_up: ['越大越好', 'higher is better'],
    dir_down: ['越小越好', 'lower is better'],
    category: ['类别', 'Category'],
    live: ['实时', 'Live'],
    offline: ['连接中断,重连中', 'Disconnected, reconnecting'],
    counts: ['状态统计', 'Status counts'],
    none: ['无', 'none'],
    upload: ['上传文件', 'Upload a file'],
    upload_hint: ['CSV 或 .xlsx(第一张工作表)', 'CSV or .xlsx (its first sheet)'],
    submit: ['提交', 'Submit'],
    accepted: ['已接收', 'Accepted'],
    rejected: ['被拒绝', 'Refused'],
    skipped: ['已跳过', 'Skipped'],
    row: ['行', 'Row'],
    column: ['字段', 'Field'],
    refused_rows: ['被拒绝的行', 'Refused rows'],
    fix_resubmit: ['请修改文件后重新上传。', 'Fix the file and upload it again.'],
    single_value: ['填报单个数值', 'Enter one value'],
    withdraw: ['撤回数值', 'Withdraw a value'],
    withdrawn: ['已撤回', 'Withdrawn'],
    template: ['下载填报模板(CSV)', 'Download the template (CSV)'],
    template_year: ['模板年度', 'Template year'],
    note: ['备注', 'Note'],
    done: ['完成', 'Done'],
    kind: ['类型', 'Kind'],
    level: ['级别', 'Level'],
    milestones: ['里程碑', 'Milestones'],
    late: ['逾期', 'Late'],
    due: ['截止', 'Due'],
    start: ['开始', 'Start'],
    end: ['结束', 'End'],
    investment: ['投资', 'Investment'],
    history: ['状态变更', 'Status history'],
    name: ['姓名', 'Name'],
    search: ['搜索', 'Search'],
    stats: ['统计', 'Statistics'],
    total: ['合计', 'Total'],
    reveal: ['查看明文', 'Reveal'],
    reveal_reason: ['查看原因(将记入审计)', 'Reason (written to the audit log)'],
    audit: ['审计记录', 'Audit trail'],
    who: ['操作人', 'Who'],
    op: ['操作', 'Operation'],
    id_number: ['证件号', 'Document number'],
    phone: ['电话', 'Phone'],
    email: ['邮箱', 'E-mail'],
    employer: ['单位', 'Employer'],
    more: ['更多', 'More'],
    close: ['关闭', 'Close'],
    rules: ['规则', 'Rules'],
    silences: ['静默', 'Silences'],
    deliveries: ['投递', 'Deliveries'],
    dead_letters: ['死信', 'Dead letters'],
    retry: ['重试', 'Retry'],
    remove: ['删除', 'Remove'],
    add: ['添加', 'Add'],
    event: ['事件', 'Event'],
    when: ['条件', 'Condition'],
    severity: ['级别', 'Severity'],
    receivers: ['接收方', 'Receivers'],
    ends_at: ['结束时间', 'Ends at'],
    comment: ['说明', 'Comment'],
    attempts: ['尝试次数', 'Attempts'],
    last_error: ['最后错误', 'Last error'],
    label: ['内容', 'About'],
    filter: ['筛选', 'Filter'],
    pause: ['暂停', 'Pause'],
    resume: ['继续', 'Resume'],
    stream: ['数据流', 'Stream'],
    subject: ['对象', 'Subject'],
    change: ['变化', 'Change'],
    by: ['操作人', 'By'],
    not_found: ['未找到该页面。', 'No such page.'],
    role: ['角色', 'Role'],
    signed_in_as: ['当前用户', 'Signed in as'],
    skip: ['跳到正文', 'Skip to content'],
    units_tree: ['组织结构', 'The tree'],
    unit_indicators: ['该单位的指标', "The unit's indicators"],
    retired: ['已撤销', 'retired'],
    completeness: ['完整性', 'Completeness'],
    approvals: ['审核', 'Approvals'],
    show: ['查询', 'Show'],
    as_of: ['统计时间', 'As of'],
    reports_expected: ['应报', 'Expected'],
    rate: ['报送率', 'Reporting rate'],
    rate_on_time: ['按时报送率', 'On-time rate'],
    by_org: ['按组织单位', 'By org unit'],
    by_indicator: ['按指标', 'By indicator'],
    unit_type: ['单位类型', 'Unit type'],
    contact: ['联系人', 'Contact'],
    frequency: ['频率', 'Frequency'],
    due_rule: ['截止规则', 'Due rule'],
    overdue: ['逾期未报', 'Overdue'],
    none_overdue: ['没有逾期未报的报表。', 'No report is overdue.'],
    days_overdue: ['逾期天数', 'Days overdue'],
    action: ['操作', 'Action'],
    approve: ['审核通过', 'Approve'],
    reopen: ['退回', 'Reopen'],
    reopen_reason: ['退回原因', 'Reason to reopen'],
    matrix: ['报送矩阵(组织单位 × 指标)', 'Reports by org unit and indicator'],
    no_duty: ['无此报送义务', 'not a duty'],
    received_expected: ['已报/应报', 'Received/expected'],
    team: ['团队', 'Team'],
    team_id: ['团队编号', 'Team id'],
    team_name: ['团队名称', "Team's name"],
    leader: ['带头人', 'Leader'],
    members: ['成员', 'Members'],
    version: ['版本', 'Version'],
    report: ['报告', 'Report'],
    report_kind: ['报告类型', 'Kind of report'],
    kind_annual: ['年度监测报告', 'annual monitoring report'],
    kind_midterm: ['中期评估报告', 'midterm evaluation report'],
    kind_final: ['总结评估报告', 'final evaluation report'],
    since: ['修订起始日期', 'Revisions since'],
    print: ['打印 / 存为 PDF', 'Print / save as PDF'],
    summary: ['指标汇总', 'Summary'],
    forecast_class: ['预测分类', 'Forecast class'],
    main_indicators: ['主要指标走势', 'Main indicators against their trajectory'],
    no_completeness: ['未能读取报送义务,无完整性统计。', 'The reporting duties could not be read: no completeness.'],
    revisions_since: ['修订自', 'revised since'],
    revisions_more: ['(仅列前 5000 条)', '(the first 5,000 only)'],
    no_revisions: ['此期间没有数据修订。', 'No value was revised in this time.'],
    made: ['生成时间', 'Made'],
    xlsx_draft: ['下载 Excel 工作簿(草稿)', 'Download the workbook (.xlsx, draft)'],
    xlsx_issue: ['签发并下载', 'Issue and download'],
    xlsx_issued: ['已签发并下载:', 'Issued and downloaded:'],
    xlsx_note: ['草稿不登记为已签发;签发后,下一份同类报告从此列出数据修订。命令行同样生成:',
        'A draft is not recorded as issued; once a report is issued, the next one of its kind '
        + 'lists the revisions made since. The same workbook from the command line:'],
};

const STATUS = {
    achieved: ['已完成', 'Achieved'],
    on_track: ['正常', 'On track'],
    lagging: ['滞后', 'Lagging'],
    at_risk: ['有风险', 'At risk'],
    no_data: ['无数据', 'No data'],
    no_target: ['无目标', 'No target'],
};

const FORECAST = {
    achieved: ['已达成', 'achieved'],
    expected_to_meet: ['预计达标', 'expected to meet'],
    needs_acceleration: ['需加快', 'needs acceleration'],
    stagnation_or_regression: ['停滞或倒退', 'stagnation or regression'],
    insufficient_data: ['数据不足', 'insufficient data'],
    no_target: ['无目标', 'no target'],
};

// The indicators' categories (the catalog's `category`): the platform's own
// classification of the plan's indicators, not the plan's words
// (data/plans/linping-2021-2025/README.md). A code not here shows as it is.
const CATEGORY = {
    input: ['创新投入', 'Innovation input'],
    output: ['创新产出', 'Innovation output'],
    enterprises: ['创新企业', 'Innovative enterprises'],
    platforms: ['创新平台', 'Innovation platforms'],
    talent: ['创新人才', 'Talent'],
    supporting: ['基础数据', 'Supporting data'],
};

const ORIGIN = {
    reported: ['填报', 'reported'],
    aggregated: ['汇总', 'aggregated'],
    derived: ['计算', 'derived'],
    withdrawn: ['撤回', 'withdrawn'],
};

const REPORT = {
    received: ['已报', 'Received'],
    on_time: ['按时', 'On time'],
    late: ['逾期', 'Late'],
    missing: ['缺报', 'Missing'],
    not_due: ['未到期', 'Not due'],
};

const APPROVAL = {
    approved: ['已审核', 'Approved'],
    reopened: ['已退回', 'Reopened'],
    open: ['未审核', 'Open'],
};

let lang = localStorage.getItem('sti-lang') === 'en' ? 'en' : 'zh';
const listeners = new Set();

function index() {
    return lang === 'en' ? 1 : 0;
}

export function getLang() {
    return lang;
}

export function setLang(next) {
    lang = next;
    localStorage.setItem('sti-lang', next);
    document.documentElement.lang = next === 'en' ? 'en' : 'zh-CN';
    listeners.forEach((f) => f(next));
}

// Re-renders the component when the language changes.
export function useLang() {
    const [current, setCurrent] = useState(lang);
    useEffect(() => {
        listeners.add(setCurrent);
        return () => listeners.delete(setCurrent);
    }, []);
    return current;
}

export function t(key) {
    const pair = WORDS[key];
    return pair ? pair[index()] : key;
}

const from = (table) => (code) => (table[code] ? table[code][index()] : code || '');
export const statusText = from(STATUS);
export const forecastText = from(FORECAST);
export const originText = from(ORIGIN);
export const categoryText = from(CATEGORY);
export const reportText = from(REPORT);
export const approvalText = from(APPROVAL);

// The name in the chosen language: record.name_zh / record.name_en (or prefix_zh).
export function pick(record, prefix = 'name') {
    if (!record) return '';
    const zh = record[prefix + '_zh'];
    const en = record[prefix + '_en'];
    return lang === 'en' ? en || zh || '' : zh || en || '';
}

export function number(value, digits = 2) {
    if (value === null || value === undefined) return '—';
    return Number(value).toLocaleString(lang === 'en' ? 'en-US' : 'zh-CN', {
        maximumFractionDigits: digits,
    });
}

export function percent(fraction) {
    if (fraction === null || fraction === undefined) return '—';
    return (fraction * 100).toFixed(1) + '%';
}

export function when(value) {
    if (value === null || value === undefined || value === '') return '—';
    const date = typeof value === 'number' ? new Date(value) : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
}
