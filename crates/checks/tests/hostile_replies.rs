//! Whatever a server sends, a check ends with an outcome and never panics: arbitrary bytes,
//! cut anywhere, fed to every check kind and to the agent parser.

use checks::agent::parse_reply;
use checks::{compile, CheckRun, Io};
use proptest::prelude::*;

fn plans() -> Vec<checks::CheckPlan> {
    let text = "defaults\n mode http\n\
        backend h\n option httpchk GET /\n http-check expect string ok\n http-check expect hdr name x value -m reg ^a\n server s 127.0.0.1:80 check\n\
        backend d\n option httpchk\n server s 127.0.0.1:80 check\n\
        backend t\n option tcp-check\n tcp-check send PING\\r\\n\n tcp-check expect rstring ^\\+PO\n tcp-check expect ! binary 00\n server s 127.0.0.1:80 check\n";
    let cfg = haproxy_cfg::parse_str("p.cfg", text)
        .expect("parses")
        .config;
    cfg.backends()
        .map(|p| compile(&p.checks).expect("compiles"))
        .collect()
}

proptest! {
    #[test]
    fn any_reply_in_any_pieces_ends_the_check(
        reply in proptest::collection::vec(any::<u8>(), 0..3000),
        cuts in proptest::collection::vec(1usize..200, 1..20),
        close in any::<bool>(),
    ) {
        for plan in plans() {
            let mut run = CheckRun::new(&plan);
            let mut rest: &[u8] = &reply;
            let mut cut = cuts.iter().cycle();
            let mut steps = 0;
            let outcome = loop {
                steps += 1;
                prop_assert!(steps < 10_000, "the check never ended");
                match run.poll() {
                    Io::Connect(_) => run.connected(),
                    Io::Send(_) => run.sent(),
                    Io::Recv => {
                        if rest.is_empty() {
                            if close { run.closed() } else { run.timed_out() }
                        } else {
                            let n = (*cut.next().unwrap_or(&1)).min(rest.len());
                            run.received(&rest[..n]);
                            rest = &rest[n..];
                        }
                    }
                    Io::Done(o) => break o,
                }
            };
            // Whatever it is, it can be written in a log line.
            prop_assert!(outcome.describe().starts_with("reason: "));
        }
    }

    #[test]
    fn any_agent_reply_parses(reply in proptest::collection::vec(any::<u8>(), 0..600)) {
        let r = parse_reply(&reply);
        if let Some(o) = r.outcome() {
            prop_assert!(o.info.unwrap_or_default().starts_with("via agent : "));
        }
    }
}
