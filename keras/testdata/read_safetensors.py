#!/usr/bin/python3
"""Independent safetensors reader (follows the format spec: 8-byte
little-endian header length, JSON header, raw little-endian data) that loads
every tensor into PyTorch and prints name, shape and sum, one per line, in
name order. Used by keras's tests: python3 read_safetensors.py FILE"""
import json
import struct
import sys

import torch

data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
body = data[8 + n:]
meta = header.pop("__metadata__", {})
print("metadata", json.dumps(meta, sort_keys=True))
for name in sorted(header):
    e = header[name]
    assert e["dtype"] == "F32", e
    b, en = e["data_offsets"]
    t = torch.frombuffer(bytearray(body[b:en]), dtype=torch.float32).reshape(e["shape"])
    print(name, list(t.shape), "%.6e" % t.double().sum().item())
