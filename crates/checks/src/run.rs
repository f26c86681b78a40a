//! One check in progress, sans-IO: [`CheckRun::poll`] says what to do next (connect, send,
//! read, or done with an outcome); the driver does it and reports back (`connected`,
//! `received`, `closed`, `timed_out`, …). Every judgement about bytes happens here, so the
//! whole conversation is unit-tested without a socket.

use crate::http::{self, MAX_RESPONSE};
use crate::outcome::{CheckOutcome, CheckStatus};
use crate::plan::{CheckPlan, ConnectSpec, PlanKind, Step};
use crate::tcp;
use crate::tcp_check::{self, Verdict};

/// What the driver should do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Io<'p> {
    /// Open a (new) connection; the spec overrides the server's check address and port.
    Connect(&'p ConnectSpec),
    /// Write all these bytes.
    Send(&'p [u8]),
    /// Read more (until the deadline).
    Recv,
    /// The check is over.
    Done(CheckOutcome),
}

#[derive(Debug)]
pub struct CheckRun<'p> {
    plan: &'p CheckPlan,
    pos: usize,
    buf: Vec<u8>,
    eof: bool,
    result: Option<CheckOutcome>,
    http_code: u16,
}

impl<'p> CheckRun<'p> {
    pub fn new(plan: &'p CheckPlan) -> Self {
        CheckRun {
            plan,
            pos: 0,
            buf: Vec::new(),
            eof: false,
            result: None,
            http_code: 0,
        }
    }

    fn done_reading(&self) -> bool {
        self.eof || self.buf.len() >= MAX_RESPONSE
    }

    fn finish(&mut self, o: CheckOutcome) -> Io<'p> {
        self.result = Some(o.clone());
        Io::Done(o)
    }

    fn passed(&self) -> CheckOutcome {
        match self.plan.kind {
            PlanKind::Tcp => tcp::passed(),
            PlanKind::Http => http::passed(self.http_code),
            PlanKind::TcpCheck => {
                if self
                    .plan
                    .steps
                    .iter()
                    .all(|s| matches!(s, Step::Connect(_)))
                {
                    tcp::passed()
                } else {
                    tcp_check::passed()
                }
            }
        }
    }

    pub fn poll(&mut self) -> Io<'p> {
        if let Some(o) = &self.result {
            return Io::Done(o.clone());
        }
        let plan = self.plan;
        loop {
            match plan.steps.get(self.pos) {
                None => {
                    let o = self.passed();
                    return self.finish(o);
                }
                Some(Step::Connect(c)) => return Io::Connect(c),
                Some(Step::Send(b)) => return Io::Send(b),
                Some(Step::Expect(e)) => match e.evaluate(&self.buf, self.done_reading()) {
                    Verdict::NeedMore => return Io::Recv,
                    Verdict::Passed => {
                        self.buf.clear();
                        self.pos += 1;
                    }
                    Verdict::Failed(o) => return self.finish(o),
                },
                Some(Step::HttpResponse(ex)) => {
                    let (v, code) = http::evaluate(ex, &self.buf, self.done_reading());
                    self.http_code = code;
                    match v {
                        Verdict::NeedMore => return Io::Recv,
                        Verdict::Passed => {
                            self.buf.clear();
                            self.pos += 1;
                        }
                        Verdict::Failed(o) => return self.finish(o),
                    }
                }
            }
        }
    }

    /// ` at step 2 of tcp-check (connect port 80)`: what tcp-check adds to connection errors.
    fn connect_suffix(&self) -> String {
        if self.plan.kind != PlanKind::TcpCheck {
            return String::new();
        }
        match self.plan.steps.get(self.pos) {
            Some(Step::Connect(ConnectSpec {
                step: Some(n),
                port,
                ..
            })) => match port {
                Some(p) => format!(" at step {n} of tcp-check (connect port {p})"),
                None => format!(" at step {n} of tcp-check (connect)"),
            },
            _ => " at step 1 of tcp-check".into(),
        }
    }

    pub fn connected(&mut self) {
        if matches!(self.plan.steps.get(self.pos), Some(Step::Connect(_))) {
            self.pos += 1;
            self.buf.clear();
            self.eof = false;
        }
    }

    /// The connection was refused or failed; `error` is the system's text ("Connection refused").
    pub fn connect_failed(&mut self, error: &str) {
        let info = format!("{error}{}", self.connect_suffix());
        self.result = Some(CheckOutcome::new(CheckStatus::L4Con).with_info(info));
    }

    pub fn connect_timed_out(&mut self) {
        let info = self.connect_suffix();
        self.result = Some(CheckOutcome::new(CheckStatus::L4Timeout).with_info(info));
    }

    pub fn sent(&mut self) {
        if matches!(self.plan.steps.get(self.pos), Some(Step::Send(_))) {
            self.pos += 1;
        }
    }

    pub fn send_failed(&mut self, error: &str) {
        self.result = Some(CheckOutcome::new(CheckStatus::L4Con).with_info(error));
    }

    /// Bytes read; anything past the response limit is dropped (the step is then judged on
    /// what fits, as HAProxy does with a full buffer).
    pub fn received(&mut self, data: &[u8]) {
        let room = MAX_RESPONSE.saturating_sub(self.buf.len());
        self.buf.extend_from_slice(&data[..data.len().min(room)]);
    }

    /// The server closed its side (or the read failed).
    pub fn closed(&mut self) {
        self.eof = true;
    }

    /// The read deadline passed.
    pub fn timed_out(&mut self) {
        if self.result.is_some() {
            return;
        }
        let o = match self.plan.steps.get(self.pos) {
            Some(Step::Expect(e)) => e.timeout_outcome(),
            Some(Step::Connect(_)) => {
                self.connect_timed_out();
                return;
            }
            _ => http::timeout(),
        };
        self.result = Some(o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::compile;

    fn plan(text: &str) -> CheckPlan {
        let cfg =
            format!("defaults\n mode http\nbackend b\n{text}\n server s 127.0.0.1:80 check\n");
        let loaded = haproxy_cfg::parse_str("t.cfg", &cfg).expect("config parses");
        compile(&loaded.config.proxies[0].checks).expect("compiles")
    }

    /// Plays a scripted server: `replies` are handed out on each Recv, then EOF.
    fn play(plan: &CheckPlan, replies: &[&[u8]]) -> (CheckOutcome, Vec<u8>) {
        let mut run = CheckRun::new(plan);
        let mut sent = Vec::new();
        let mut replies = replies.iter();
        for _ in 0..100 {
            match run.poll() {
                Io::Connect(_) => run.connected(),
                Io::Send(b) => {
                    sent.extend_from_slice(b);
                    run.sent();
                }
                Io::Recv => match replies.next() {
                    Some(r) => run.received(r),
                    None => run.closed(),
                },
                Io::Done(o) => return (o, sent),
            }
        }
        panic!("the check never finished");
    }

    #[test]
    fn tcp_check_passes_after_connect() {
        let (o, sent) = play(&plan(""), &[]);
        assert_eq!(o.status, CheckStatus::L4Ok);
        assert!(sent.is_empty());
    }

    #[test]
    fn http_check_sends_and_reads_in_pieces() {
        let p = plan(" option httpchk GET /index.html");
        let (o, sent) = play(&p, &[b"HTTP/1.0 20", b"0 OK\r\n\r\n"]);
        assert_eq!(sent, b"GET /index.html HTTP/1.0\r\n\r\n");
        assert_eq!(
            o.describe(),
            "reason: Layer7 check passed, code: 200, check duration: 0ms"
        );
    }

    #[test]
    fn http_check_empty_reply_is_invalid() {
        let (o, _) = play(&plan(" option httpchk GET /"), &[]);
        assert_eq!(
            o.describe(),
            "reason: Layer7 invalid response, check duration: 0ms"
        );
    }

    #[test]
    fn tcp_check_conversation() {
        let p = plan(" option tcp-check\n tcp-check send PING\\r\\n\n tcp-check expect string +PONG\n tcp-check send QUIT\\r\\n\n tcp-check expect string +OK");
        let (o, sent) = play(&p, &[b"+PO", b"NG\r\n", b"+OK\r\n"]);
        assert_eq!(sent, b"PING\r\nQUIT\r\n");
        assert_eq!(
            o.describe(),
            "reason: Layer7 check passed, code: 0, info: \"(tcp-check)\", check duration: 0ms"
        );
        let (o, _) = play(&p, &[b"-ERR\r\n"]);
        assert_eq!(
            o.info.as_deref(),
            Some("TCPCHK did not match content '+PONG' at step 2")
        );
    }

    #[test]
    fn connection_errors_name_the_tcp_check_step() {
        let p = plan(" option tcp-check\n tcp-check connect port 6379\n tcp-check expect string x");
        let mut run = CheckRun::new(&p);
        assert!(matches!(run.poll(), Io::Connect(c) if c.port == Some(6379)));
        run.connect_failed("Connection refused");
        let Io::Done(o) = run.poll() else {
            panic!("should be done")
        };
        assert_eq!(
            o.info.as_deref(),
            Some("Connection refused at step 1 of tcp-check (connect port 6379)")
        );

        let p = plan(" option httpchk");
        let mut run = CheckRun::new(&p);
        run.poll();
        run.connect_failed("Connection refused");
        let Io::Done(o) = run.poll() else {
            panic!("should be done")
        };
        assert_eq!(
            o.describe(),
            "reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms"
        );

        let mut run = CheckRun::new(&p);
        run.poll();
        run.connect_timed_out();
        let Io::Done(o) = run.poll() else {
            panic!("should be done")
        };
        assert_eq!(o.describe(), "reason: Layer4 timeout, check duration: 0ms");
    }

    #[test]
    fn read_timeouts() {
        let p = plan(" option httpchk GET /");
        let mut run = CheckRun::new(&p);
        run.poll();
        run.connected();
        run.poll();
        run.sent();
        assert_eq!(run.poll(), Io::Recv);
        run.timed_out();
        let Io::Done(o) = run.poll() else {
            panic!("should be done")
        };
        assert_eq!(o.describe(), "reason: Layer7 timeout, check duration: 0ms");

        let p = plan(" option tcp-check\n tcp-check expect string +PONG");
        let mut run = CheckRun::new(&p);
        run.poll();
        run.connected();
        assert_eq!(run.poll(), Io::Recv);
        run.timed_out();
        let Io::Done(o) = run.poll() else {
            panic!("should be done")
        };
        assert_eq!(
            o.info.as_deref(),
            Some(" at step 1 of tcp-check (expect string '+PONG')")
        );
    }

    #[test]
    fn an_endless_reply_is_judged_when_the_buffer_is_full() {
        let p = plan(" option tcp-check\n tcp-check expect string NEVER");
        let chunk = vec![b'a'; 4096];
        let chunks: Vec<&[u8]> = std::iter::repeat_n(chunk.as_slice(), 100).collect();
        let (o, _) = play(&p, &chunks);
        assert_eq!(o.status, CheckStatus::L7Response);
    }
}
