#!/usr/bin/env python3
"""Print each distinct VRRP advert of a classic pcap (Ethernet) as: src dst ttl payload-hex."""
import socket
import struct
import sys

for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    off, seen = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        off += 16
        ip = data[off + 14:off + incl]
        off += incl
        ihl = (ip[0] & 15) * 4
        total = struct.unpack('>H', ip[2:4])[0]
        key = (socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]), ip[8], ip[ihl:total].hex())
        if key not in seen:
            seen.append(key)
            print(*key)
