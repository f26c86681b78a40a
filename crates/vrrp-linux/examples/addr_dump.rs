//! Prints the IPv4 addresses netlink reports, as the daemon sees them (debug aid).
fn main() {
    let mut nl = match vrrp_linux::netlink::NetlinkRoute::open() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("netlink: {e}");
            std::process::exit(1);
        }
    };
    match nl.ipv4_addresses() {
        Ok(list) => {
            for a in list {
                println!(
                    "{} {}/{} secondary={}",
                    a.ifindex, a.addr, a.prefix_len, a.secondary
                );
            }
        }
        Err(e) => eprintln!("dump: {e}"),
    }
}
