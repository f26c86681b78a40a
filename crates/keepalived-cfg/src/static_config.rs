//! `static_ipaddress { }` and `static_routes { }`: addresses and routes keepalived adds at
//! start and never moves. Same line syntax as `virtual_ipaddress` / `virtual_routes`.

use crate::address::{parse_address, parse_route, VirtualAddress, VirtualRoute};
use crate::keyword::Ctx;
use crate::tree::Node;

pub(crate) fn addresses(ctx: &mut Ctx<'_>, node: &Node) -> Vec<VirtualAddress> {
    ctx.scoped("static_ipaddress".to_string(), |ctx| {
        node.children()
            .iter()
            .filter_map(|l| parse_address(ctx, l))
            .collect()
    })
}

pub(crate) fn routes(ctx: &mut Ctx<'_>, node: &Node) -> Vec<VirtualRoute> {
    ctx.scoped("static_routes".to_string(), |ctx| {
        node.children()
            .iter()
            .filter_map(|l| parse_route(ctx, l))
            .collect()
    })
}
