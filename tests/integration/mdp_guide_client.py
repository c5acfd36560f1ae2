"""What the ZeroMQ guide's mdclient2 does (mdcliapi2: a DEALER that sends
every request first, then reads the replies), against sti-broker with a small
queue_max: every request gets a reply; those over the queue limit get the
broker's refusal, which names the limit.

    mdp_guide_client.py ENDPOINT SERVICE SENT QUEUE_MAX

Prints "refused R answered A"; the caller starts the worker once this prints
"sent" and checks the totals. Exits 1 with a reason on failure.
"""
import sys
import zmq


def fail(why):
    print("FAIL: " + why, flush=True)
    sys.exit(1)


def main():
    endpoint, service = sys.argv[1], sys.argv[2].encode()
    sent, queue_max = int(sys.argv[3]), int(sys.argv[4])
    ctx = zmq.Context()
    client = ctx.socket(zmq.DEALER)
    client.linger = 0
    client.connect(endpoint)
    for i in range(sent):
        client.send_multipart([b"", b"MDPC01", service, b"Hello world %d" % i])
    print("sent", flush=True)
    poller = zmq.Poller()
    poller.register(client, zmq.POLLIN)
    refused = answered = 0
    while refused + answered < sent:
        if not poller.poll(30000):
            fail("no reply after %d refused and %d answered of %d sent"
                 % (refused, answered, sent))
        frames = client.recv_multipart()
        if len(frames) < 4 or frames[0] != b"" or frames[1] != b"MDPC01" \
                or frames[2] != service:
            fail("not an MDP reply for %s: %r" % (service, frames[:3]))
        if frames[3].startswith(b"Hello world"):
            answered += 1
        elif b"queue is full (queue_max)" in frames[3]:
            refused += 1
        else:
            fail("neither an answer nor a refusal naming queue_max: %r" % frames[3][:200])
    print("refused %d answered %d" % (refused, answered), flush=True)
    if refused != sent - queue_max or answered != queue_max:
        fail("expected %d refused and %d answered" % (sent - queue_max, queue_max))


if __name__ == "__main__":
    main()
