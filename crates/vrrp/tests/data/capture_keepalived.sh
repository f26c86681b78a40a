#!/bin/bash
# How the fixtures of tests/codec_keepalived.rs were captured (root; not run by the tests).
# Two keepalived 2.2.7 in network namespaces joined by a veth pair, 198.18.0.0/24 only:
# A (198.18.0.201, prio 100, state MASTER) starts, B (198.18.0.202, prio 90) joins 4.5 s later,
# A gets SIGTERM (priority 0, B takes over), then B. dumpcap records VRRP on A's side.
#   ./capture_keepalived.sh 2 1        # VRRPv2, advert 1 s, auth PASS
#   ./capture_keepalived.sh 3 1        # VRRPv3 multicast
#   ./capture_keepalived.sh 3 0.1 uni  # VRRPv3 unicast peers, advert 0.1 s
# Then: python3 pcap_vrrp.py OUT/cap.pcap  → src dst ttl payload-hex, one line per distinct advert.
set -u
VER=$1; ADV=$2; MODE=${3:-mcast}
D=${OUT:-/tmp/vrrpcap}/v$VER-$MODE
rm -rf "$D"; mkdir -p "$D"
cleanup() { ip netns del vrrptest-a 2>/dev/null; ip netns del vrrptest-b 2>/dev/null; }
trap cleanup EXIT
cleanup
ip netns add vrrptest-a; ip netns add vrrptest-b
ip link add vta type veth peer name vtb
ip link set vta netns vrrptest-a; ip link set vtb netns vrrptest-b
ip -n vrrptest-a addr add 198.18.0.201/24 dev vta; ip -n vrrptest-a link set vta up
ip -n vrrptest-b addr add 198.18.0.202/24 dev vtb; ip -n vrrptest-b link set vtb up
for n in a b; do
  if [ $n = a ]; then PRIO=100; ST=MASTER; IF=vta; SRC=198.18.0.201; PEER=198.18.0.202
  else PRIO=90; ST=BACKUP; IF=vtb; SRC=198.18.0.202; PEER=198.18.0.201; fi
  UNI=""
  [ "$MODE" = uni ] && UNI="unicast_src_ip $SRC
  unicast_peer {
    $PEER
  }"
  cat > "$D/$n.conf" <<CONF
global_defs {
  router_id node_$n
  script_user root
  enable_script_security
  vrrp_version $VER
}
vrrp_instance VI_1 {
  state $ST
  interface $IF
  virtual_router_id 51
  priority $PRIO
  advert_int $ADV
  $UNI
  authentication {
    auth_type PASS
    auth_pass 1111
  }
  virtual_ipaddress {
    198.18.0.100
    198.18.0.150/24
  }
}
CONF
done
ip netns exec vrrptest-a dumpcap -q -P -i vta -f "ip proto 112" -w "$D/cap.pcap" 2>"$D/dumpcap.err" &
CAP=$!
sleep 1
ip netns exec vrrptest-a keepalived -n -l -D -P -f "$D/a.conf" -p "$D/a.pid" -r "$D/a.vpid" >"$D/a.log" 2>&1 &
KA=$!
sleep 4.5
ip netns exec vrrptest-b keepalived -n -l -D -P -f "$D/b.conf" -p "$D/b.pid" -r "$D/b.vpid" >"$D/b.log" 2>&1 &
KB=$!
sleep 3
kill -TERM $KA; sleep 3
kill -TERM $KB; sleep 1.5
kill $CAP; wait 2>/dev/null
