//! From `stats socket` lines of a real haproxy.cfg to listening sockets: the model's
//! address, `mode` and `level` reach the socket, checked with socat.
#![cfg(feature = "driver")]

use std::os::unix::fs::PermissionsExt;

use std::sync::Arc;
use std::time::Duration;

mod support;

use support::socat;

use runtime_api::{
    ListenerSpec, MemoryServer, MemoryTarget, RuntimeServer, RuntimeTarget, ServerError,
    SocketAddrSpec,
};

#[test]
fn stats_socket_lines_become_listeners() {
    let dir = std::env::temp_dir().join(format!("halb-rt-cfg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    // The configuration refuses port 0: take a free port and release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let cfg = format!(
        "global\n    stats socket {d}/user.sock mode 640 level user\n    stats socket {d}/oper.sock level operator\n    stats socket ipv4@127.0.0.1:{port} level admin\n    stats timeout 30s\n\nbackend be\n    server s1 127.0.0.1:8080\n",
        d = dir.display()
    );
    let loaded = haproxy_cfg::parse_str("haproxy.cfg", &cfg).expect("configuration parses");
    let global = &loaded.config.global;
    let specs: Vec<ListenerSpec> = global
        .stats_sockets
        .iter()
        .map(ListenerSpec::from_model)
        .collect::<Result<_, _>>()
        .expect("supported addresses");
    assert_eq!(global.stats_timeout, Some(Duration::from_secs(30)));

    let target =
        MemoryTarget::new().backend(1, "be", vec![MemoryServer::new(1, "s1", "127.0.0.1", 8080)]);
    let server = RuntimeServer::start(
        specs,
        Arc::new(target) as Arc<dyn RuntimeTarget>,
        Duration::from_secs(30),
    )
    .expect("server starts");
    let user = dir.join("user.sock");
    let mode = std::fs::metadata(&user)
        .expect("user.sock exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    assert_eq!(
        socat(
            "show cli level\n",
            &["stdio", user.to_str().expect("utf-8")]
        ),
        "user\n\n"
    );
    assert_eq!(
        socat(
            "show cli level\n",
            &["stdio", dir.join("oper.sock").to_str().expect("utf-8")]
        ),
        "operator\n\n"
    );
    let tcp = match &server.local_addrs()[2] {
        SocketAddrSpec::Tcp(a) => format!("tcp4-connect:{a}"),
        other => panic!("expected TCP, got {other:?}"),
    };
    assert_eq!(socat("show cli level\n", &["stdio", &tcp]), "admin\n\n");
    server.stop();
    assert!(!user.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fd_addresses_are_refused() {
    let loaded =
        haproxy_cfg::parse_str("haproxy.cfg", "global\n    stats socket fd@3\n").expect("parses");
    let err = ListenerSpec::from_model(&loaded.config.global.stats_sockets[0])
        .expect_err("fd@ is not supported");
    assert!(
        matches!(err, ServerError::UnsupportedAddress(ref a) if a == "fd@3"),
        "{err}"
    );
}
