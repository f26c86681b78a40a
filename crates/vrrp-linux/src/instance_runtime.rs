//! The Linux side of one running `vrrp_instance`: where it sends, which addresses it owns,
//! its notify queue, and the execution of the [`vrrp::Action`]s its state machine emits.

use std::net::Ipv4Addr;

use crate::garp::GarpSender;
use crate::interface;
use crate::log;
use crate::netlink::{AddressSpec, NetlinkRoute};
use crate::notify_queue::NotifyQueue;
use crate::spec::{InstanceSpec, VipSpec};
use crate::tracking::TrackVerdict;
use crate::vrrp_socket::{VrrpSocket, VRRP_MCAST_GROUP};

/// Runtime state next to a `vrrp::Instance` (kept in a parallel vector, because sync groups
/// need the instances as one slice).
#[derive(Debug)]
pub struct InstanceRuntime {
    pub spec: InstanceSpec,
    pub ifindex: u32,
    pub mac: [u8; 6],
    /// Index of the interface's socket in the daemon's socket list.
    pub socket: usize,
    pub source: Ipv4Addr,
    pub notify: NotifyQueue,
    /// What tracking last told the instance.
    pub verdict: TrackVerdict,
    /// Index of the sync group this instance belongs to.
    pub group: Option<usize>,
    /// Reused encode buffer.
    pub tx: Vec<u8>,
}

impl InstanceRuntime {
    pub fn name(&self) -> &str {
        &self.spec.protocol.name
    }

    /// The netlink description of `vip`, on its `dev` or the instance's interface.
    pub fn address_spec(&self, vip: &VipSpec) -> Option<AddressSpec> {
        let ifindex = match &vip.dev {
            Some(dev) if dev != &self.spec.interface => interface::ifindex(dev)?,
            _ => self.ifindex,
        };
        Some(AddressSpec {
            ifindex,
            addr: vip.addr,
            prefix_len: vip.prefix_len,
            broadcast: vip.broadcast,
            label: vip.label.clone(),
            scope: vip.scope,
        })
    }

    fn vip_dev<'a>(&'a self, vip: &'a VipSpec) -> &'a str {
        vip.dev.as_deref().unwrap_or(&self.spec.interface)
    }

    /// Encodes and sends `advert` to the group or to every unicast peer.
    pub fn send_advert(&mut self, socket: &VrrpSocket, advert: &vrrp::Advert) {
        let peers = &self.spec.protocol.unicast_peers;
        let dests: Vec<Ipv4Addr> = if peers.is_empty() {
            vec![VRRP_MCAST_GROUP]
        } else {
            peers.clone()
        };
        for dst in dests {
            self.tx.clear();
            vrrp::encode_into(advert, self.source, dst, &mut self.tx);
            if let Err(e) = socket.send(self.source, dst, &self.tx) {
                log::detail(&format!(
                    "({}) failed to send advert to {dst} on {}: {e}",
                    self.name(),
                    socket.ifname()
                ));
            }
        }
    }

    pub fn add_vips(&self, net: &mut NetlinkRoute) {
        log::info(&format!("({}) setting VIPs.", self.name()));
        for vip in &self.spec.vips {
            match self.address_spec(vip) {
                Some(a) => {
                    if let Err(e) = net.add_address(&a) {
                        log::warn(&format!(
                            "({}) cannot add VIP {}/{} on {}: {e}",
                            self.name(),
                            vip.addr,
                            vip.prefix_len,
                            self.vip_dev(vip)
                        ));
                    }
                }
                None => log::warn(&format!(
                    "({}) interface {} for VIP {} does not exist",
                    self.name(),
                    self.vip_dev(vip),
                    vip.addr
                )),
            }
        }
    }

    pub fn del_vips(&self, net: &mut NetlinkRoute, announce: bool) {
        if announce {
            log::info(&format!("({}) removing VIPs.", self.name()));
        }
        for vip in &self.spec.vips {
            if let Some(a) = self.address_spec(vip) {
                if let Err(e) = net.del_address(&a) {
                    log::warn(&format!(
                        "({}) cannot remove VIP {} from {}: {e}",
                        self.name(),
                        vip.addr,
                        self.vip_dev(vip)
                    ));
                }
            }
        }
    }

    pub fn send_garps(&self, garp: &GarpSender, repeat: u32) {
        for vip in &self.spec.vips {
            let dev = self.vip_dev(vip);
            let (ifindex, mac) = if dev == self.spec.interface {
                (self.ifindex, self.mac)
            } else {
                match (interface::ifindex(dev), interface::mac_address(dev)) {
                    (Some(i), Ok(m)) => (i, m),
                    _ => continue,
                }
            };
            log::info(&format!(
                "({}) Sending/queueing gratuitous ARPs on {dev} for {}",
                self.name(),
                vip.addr
            ));
            for _ in 0..repeat.max(1) {
                match garp.send(ifindex, mac, vip.addr) {
                    Ok(()) => {
                        log::info(&format!("Sending gratuitous ARP on {dev} for {}", vip.addr))
                    }
                    Err(e) => log::warn(&format!(
                        "Error sending gratuitous ARP on {dev} for {}: {e}",
                        vip.addr
                    )),
                }
            }
        }
    }

    /// Queues the notify scripts of `state` with keepalived's arguments.
    pub fn queue_notify(&mut self, state: vrrp::State, priority: u8) {
        let args = vec![
            "INSTANCE".to_string(),
            self.name().to_string(),
            state.keepalived_name().to_string(),
            priority.to_string(),
        ];
        let cmds: Vec<_> = self
            .spec
            .notify
            .for_state(state)
            .into_iter()
            .cloned()
            .collect();
        for cmd in cmds {
            self.notify.push(cmd, args.clone());
        }
    }
}
