#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py: the tables, JSON and chart of `make bench`.

Usage: report.py --run LABEL=GUEST_LOG [--run ...] [--smp LABEL=GUEST_LOG]
                 --json FILE --png FILE [--markdown FILE]

Each GUEST_LOG is what bench/nab-bench-run printed in one guest (tools/vmrun
output); its "@@ {json}" lines are the raw results. LABEL names the kernel
the guest ran. The first run is the main one. Prints the tables and the
targets; the exit status is 0 whether the targets hold or not (it is not 0
when a log lacks results).

The JSON holds only guest figures (no host times or dates), so two runs of
the benchmark give the same file: `cmp` proves the determinism. The one
exception is what --smp adds (figures.<kernel>.threads): calls per second
in a two-vCPU guest without -icount, real time, which varies with the
host's load.
"""

import argparse
import json
import math
import sys

PEERS = ["netapibuf", "netapibuf-ioctl", "glibc", "samba", "memfd", "mmap",
         "dmabuf-heap"]
# The peers the tables compare netapibuf with (netapibuf-ioctl is
# netapibuf without the library, a detail of netapibuf's own cost).
OTHERS = ["glibc", "samba", "memfd", "mmap", "dmabuf-heap"]
SIZES = [16, 1024, 64 << 10, 4 << 20]
REF_SIZE = 8 << 20
PAGE = 4096

SIZE_NAMES = {16: "16 B", 1024: "1 KiB", 64 << 10: "64 KiB",
              4 << 20: "4 MiB", 8 << 20: "8 MiB"}


def size_name(n):
    return SIZE_NAMES.get(n, "%d B" % n)


def parse_log(path):
    """The result lines of one guest log, as dicts."""
    results = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.startswith("@@ "):
                continue
            try:
                results.append(json.loads(line[3:]))
            except ValueError:
                sys.exit("report.py: %s: bad result line: %s" % (path, line))
    if not results:
        sys.exit("report.py: %s: no results (did the guest run?)" % path)
    return results


def per_op(ns, iters):
    return ns / iters if iters else None


def derive(results):
    """Guest figures per peer and test, per operation."""
    d = {"meta": {}, "absent": [], "floor": {}, "alloc_free": {},
         "phases": {}, "size": {}, "grow_double": {}, "grow_step": {},
         "live": {}, "deliver": {}, "pages": [], "copies": [],
         "threads": {}, "sysinfo": {}}
    for r in results:
        t = r["t"]
        if t == "meta":
            d["meta"][r["key"]] = r["value"]
        elif t == "absent":
            if r["peer"] not in d["absent"]:
                d["absent"].append(r["peer"])
        elif t == "floor":
            d["floor"][r["peer"]] = per_op(r["ns"], r["iters"])
        elif t == "alloc_free":
            n = r["iters"]
            clk = r["clock_ns"]
            d["alloc_free"].setdefault(r["peer"], {})[str(r["size"])] = \
                per_op(r["ns"], n)
            # Each phase includes one clock reading: take it out.
            d["phases"].setdefault(r["peer"], {})[str(r["size"])] = {
                "alloc": max(0.0, r["alloc_ns"] / n - clk),
                "touch": max(0.0, r["touch_ns"] / n - clk),
                "free": max(0.0, r["free_ns"] / n - clk),
            }
        elif t == "size":
            d["size"][r["peer"]] = per_op(r["ns"], r["iters"])
        elif t == "threads":
            # Allocate+Free pairs per second of real time, all threads.
            d["threads"].setdefault(r["peer"], {})[str(r["threads"])] = {
                "size": r["size"], "iters": r["iters"], "ns": r["ns"],
                "calls_per_s": (r["iters"] * r["threads"] * 1e9 / r["ns"]
                                if r["ns"] else None)}
        elif t in ("grow_double", "grow_step"):
            g = {k: r[k] for k in ("start", "end", "reallocs", "ns", "moves",
                                   "moved_bytes", "copied_bytes",
                                   "remapped_bytes")}
            if r.get("first64_ns"):
                g["first64_per_step"] = r["first64_ns"] / 64
                g["last64_per_step"] = r["last64_ns"] / 64
            d[t][r["peer"]] = g
        elif t == "live":
            d["live"][r["peer"]] = derive_live(r)
        elif t == "deliver":
            x = {"per_op": per_op(r["ns"], r["iters"])}
            for k in ("call_ns", "read_ns", "free_ns"):
                if k in r:
                    x[k[:-3]] = r[k] / r["iters"]
            d["deliver"][r["peer"]] = x
        elif t == "sysinfo":
            d["sysinfo"][r["peer"]] = {
                "per_op": per_op(r["ns"], r["iters"]),
                "entries": r["entries"]}
        elif t == "copies":
            n = r["iters"]
            d["copies"].append({
                "size": r["size"], "copy_from_user": r["from_ns"] / n,
                "copy_to_user": r["to_ns"] / n,
                "copy_struct_from_user": r["struct_ns"] / n,
                "mutex_lock_unlock": r["mutex_ns"] / n})
        elif t == "pages":
            d["pages"].append({
                "pages": r["nr"], "order": r["order"], "zero": r["zero"],
                "alloc_per_page": r["alloc_ns"] / r["nr"],
                "free_per_page": r["free_ns"] / r["nr"]})
    return d


def derive_live(r):
    n = r["n"]
    b, l, a = r["before"], r["live"], r["after"]

    def free_kb(m):
        # Pages in the per-CPU lists are free but MemFree leaves them out.
        return m["memfree_kb"] + 4 * max(0, m["pcp_pages"])

    x = {
        "n": n,
        "alloc_per_buffer": r["alloc_ns"] / n,
        "touch_per_buffer": r["touch_ns"] / n,
        "free_per_buffer": r["free_ns"] / n,
        "bytes_per_buffer": (free_kb(b) - free_kb(l)) * 1024 / n,
        "slab_per_buffer": (l["slab_kb"] - b["slab_kb"]) * 1024 / n,
        "pagetables_per_buffer":
            (l["pagetables_kb"] - b["pagetables_kb"]) * 1024 / n,
        "rss_per_buffer": (l["rss_kb"] - b["rss_kb"]) * 1024 / n,
        "returned_bytes_per_buffer": (free_kb(a) - free_kb(l)) * 1024 / n,
    }
    if l["nab_pages"] >= 0 and l["nab_live_buffers"] > 0:
        x["module_pages"] = l["nab_pages"] - b["nab_pages"]
        x["module_page_bytes_per_buffer"] = \
            (l["nab_pages"] - b["nab_pages"]) * PAGE / n
        x["module_live_bytes"] = l["nab_live_bytes"] - b["nab_live_bytes"]
        x["module_live_buffers"] = \
            l["nab_live_buffers"] - b["nab_live_buffers"]
    return x


# Guest-ns to zero one page: clear_page's rep stosb, once per byte.
ZERO_PAGE_NS = 4096


def targets(d):
    """The issue's targets, each with the figures it was judged on."""
    out = []
    af = d["alloc_free"].get("netapibuf", {})
    noop = d["floor"].get("noop-ioctl")

    def add(name, holds, detail):
        out.append({"target": name, "holds": holds, "detail": detail})

    if "16" in af and noop:
        ratio = af["16"] / (2 * noop)
        add("Allocate+Free of 16 B <= 2.5 x two no-op ioctls",
            ratio <= 2.5,
            "%s vs 2 x %s: %s" % (fmt_ns(af["16"]), fmt_ns(noop),
                                   fmt_ratio(ratio)))
    for size in SIZES:
        s = str(size)
        if s not in af:
            continue
        memfd = d["alloc_free"].get("memfd", {}).get(s)
        if memfd:
            add("Allocate+Free of %s >= 5 x cheaper than memfd+mmap"
                % size_name(size), memfd / af[s] >= 5,
                "%s vs %s: %s" % (fmt_ns(af[s]), fmt_ns(memfd),
                                  fmt_ratio(memfd / af[s])))
        if size >= 64 * 1024:
            # Zeroing a page is 4,096 guest-ns under -icount (rep stosb
            # counts once per byte): the floor of any zeroed allocation.
            zero = -(-size // PAGE) * ZERO_PAGE_NS
            add("Allocate+Free of %s within 1.1 x the cost of zeroing "
                "its pages" % size_name(size), af[s] <= 1.1 * zero,
                "%s vs %s of zeroing: %.2fx" % (fmt_ns(af[s]), fmt_ns(zero),
                                                af[s] / zero))
        heap = d["alloc_free"].get("dmabuf-heap", {}).get(s)
        if heap:
            add("Allocate+Free of %s cheaper than a dma-buf heap allocation"
                % size_name(size), af[s] < heap,
                "%s vs %s: %s" % (fmt_ns(af[s]), fmt_ns(heap),
                                  fmt_ratio(heap / af[s])))
        elif "dmabuf-heap" in d["absent"]:
            add("Allocate+Free of %s cheaper than a dma-buf heap allocation"
                % size_name(size), None,
                "no /dev/dma_heap/system in this kernel")
    samba = d["alloc_free"].get("samba", {})
    for size in (16, 1024):
        s = str(size)
        name = ("Allocate+Free of %s no more than Samba's libnetapi"
                % size_name(size))
        if s in af and s in samba:
            add(name, af[s] <= samba[s],
                "%s vs %s: %s" % (fmt_ns(af[s]), fmt_ns(samba[s]),
                                  fmt_ratio(samba[s] / af[s])))
        elif s in af:
            add(name, None, "Samba's libnetapi not run")
    th = d["threads"].get("netapibuf", {})
    if "1" in th and "2" in th:
        one, two = th["1"]["calls_per_s"], th["2"]["calls_per_s"]
        add("Allocate+Free of 16 B, 2 threads on 2 vCPUs >= 1.5 x the "
            "calls per second of 1 (no serialising lock)",
            two >= 1.5 * one,
            "%s vs %s calls/s: %s (real time, no -icount)"
            % (sig3(two), sig3(one), fmt_ratio(two / one)))
    g = d["grow_double"].get("netapibuf")
    if g:
        add("Doubling 4 KiB -> 64 MiB copies <= the final size",
            g["copied_bytes"] <= g["end"],
            "%d bytes copied, final size %d" % (g["copied_bytes"], g["end"]))
    g = d["grow_step"].get("netapibuf")
    ref = af.get(str(REF_SIZE))
    if g and ref:
        add("4 KiB steps -> 8 MiB < 4 x one 8 MiB allocation",
            g["ns"] < 4 * ref,
            "%s vs 4 x %s: %s" % (fmt_ns(g["ns"]), fmt_ns(ref),
                                  fmt_ratio(g["ns"] / ref)))
    live = d["live"].get("netapibuf")
    if live:
        add("1,000,000 live 32-byte buffers <= 128 B each (kernel + user)",
            live["bytes_per_buffer"] <= 128,
            "%s per buffer" % fmt_bytes(live["bytes_per_buffer"]))
    agent = d["deliver"].get("agent")
    rd = d["deliver"].get("read")
    if agent and rd:
        add("Agent delivery of 1 MiB >= 2 x cheaper than read(2)",
            rd["per_op"] / agent["per_op"] >= 2,
            "%s vs %s: %s" % (fmt_ns(agent["per_op"]), fmt_ns(rd["per_op"]),
                              fmt_ratio(rd["per_op"] / agent["per_op"])))
    return out


def sig3(x):
    """x with three significant digits, never in exponent form.

    Guest time is the same from run to run to a few parts per million,
    not exactly: three digits print the same."""
    if x == 0:
        return "0"
    v = float("%.3g" % x)
    digits = max(0, 2 - math.floor(math.log10(abs(v))))
    return "%.*f" % (digits, v)


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return "%s ms" % sig3(ns / 1e6)
    if ns >= 1e3:
        return "%s us" % sig3(ns / 1e3)
    return "%s ns" % sig3(ns)


def fmt_ratio(x):
    if x is None:
        return ""
    return "%sx" % sig3(x)


def fmt_bytes(b):
    return "%s B" % sig3(b)


def fmt_vs(x):
    """How a peer compares: 17.7x (netapibuf 17.7 times cheaper) or 1/14.3
    (netapibuf 14.3 times dearer)."""
    if x is None:
        return ""
    return "%sx" % sig3(x) if x >= 1 else "1/%s" % sig3(1 / x)


def cell(value, base, fmt=fmt_ns):
    """A peer's figure and how it compares with netapibuf's."""
    if value is None:
        return "-"
    if base:
        return "%s (%s)" % (fmt(value), fmt_vs(value / base))
    return fmt(value)


def row(cells):
    return "| " + " | ".join(cells) + " |"


def table(label, d):
    lines = []
    meta = d["meta"]
    lines.append("### Kernel `%s` (%s)" % (meta.get("kernel", "?"), label))
    lines.append("")
    lines.append("Guest: %s CPU, %s MiB, clocksource %s; every figure is "
                 "guest time per operation (one guest ns per guest "
                 "instruction)." % (
                     meta.get("cpus", "?"),
                     int(meta.get("memtotal_kb", 0)) // 1024,
                     meta.get("clocksource", "?")))
    if meta.get("scale", "100") != "100":
        lines.append("")
        lines.append("**NAB_BENCH_SCALE=%s: shortened loops, not the real "
                     "benchmark.**" % meta["scale"])
    fl = d["floor"]
    noop = fl.get("noop-ioctl")
    lines.append("")
    lines.append("Floor: no-op ioctl (an unknown command of type 0xB8, "
                 "ENOTTY) %s; NETAPIBUF_IOC_INFO %s; getppid() %s." % (
                     fmt_ns(noop), fmt_ns(fl.get("info-ioctl")),
                     fmt_ns(fl.get("getppid"))))
    lines.append("")
    others = [p for p in OTHERS if p not in d["absent"]]
    absent = [p for p in OTHERS if p in d["absent"]]
    head = ["Operation", "netapibuf", "x floor"] + others
    lines.append(row(head))
    lines.append(row(["---"] * len(head)))
    af = d["alloc_free"]
    nab = af.get("netapibuf", {})

    def peer_cells(values, base):
        return [cell(values.get(p), base) for p in others]

    for size in SIZES:
        s = str(size)
        base = nab.get(s)
        lines.append(row(
            ["Allocate+Free %s, touched" % size_name(size), fmt_ns(base),
             fmt_ratio(base / noop) if base and noop else ""] +
            peer_cells({p: af.get(p, {}).get(s) for p in others}, base)))
    base = d["size"].get("netapibuf")
    lines.append(row(
        ["Size (NetApiBufferSize, malloc_usable_size)", fmt_ns(base),
         fmt_ratio(base / noop) if base and noop else ""] +
        peer_cells(d["size"], base)))
    for test, name in (("grow_double", "Grow 4 KiB -> 64 MiB by doubling"),
                       ("grow_step", "Grow 4 KiB -> 8 MiB by 4 KiB steps")):
        g = d[test]
        base = g.get("netapibuf", {}).get("ns")
        lines.append(row(
            [name + ", total", fmt_ns(base), ""] +
            peer_cells({p: g.get(p, {}).get("ns") for p in others}, base)))
        lines.append(row(
            [name + ", bytes copied",
             "%s MiB" % sig3(g["netapibuf"]["copied_bytes"] / 2**20)
             if "netapibuf" in g else "-", ""] +
            ["%s MiB" % sig3(g[p]["copied_bytes"] / 2**20) if p in g else "-"
             for p in others]))
    base = nab.get(str(REF_SIZE))
    lines.append(row(
        ["Allocate+Free 8 MiB, touched (growth reference)", fmt_ns(base),
         ""] + peer_cells({p: af.get(p, {}).get(str(REF_SIZE))
                           for p in others}, base)))
    lv = d["live"]
    for key, name in (("alloc_per_buffer", "Allocate"),
                      ("free_per_buffer", "Free")):
        base = lv.get("netapibuf", {}).get(key)
        lines.append(row(
            ["Live 32 B buffers: %s, per buffer" % name, fmt_ns(base),
             fmt_ratio(base / noop) if base and noop else ""] +
            peer_cells({p: lv.get(p, {}).get(key) for p in others}, base)))
    base = lv.get("netapibuf", {}).get("bytes_per_buffer")
    lines.append(row(
        ["Live 32 B buffers: memory per buffer (kernel + user)",
         fmt_bytes(base) if base else "-", ""] +
        [cell(lv[p]["bytes_per_buffer"], base, fmt_bytes)
         if p in lv else "-" for p in others]))
    lines.append(row(
        ["Live buffers counted", "%d" % lv["netapibuf"]["n"]
         if "netapibuf" in lv else "-", ""] +
        ["%d" % lv[p]["n"] if p in lv else "-" for p in others]))
    dl = d["deliver"]
    if "agent" in dl:
        base = dl["agent"]["per_op"]
        rd = dl.get("read", {}).get("per_op")
        lines.append(row(
            ["1 MiB agent result: NetApiBufferAgentCall, read, "
             "NetApiBufferFree; peer: read(2)", fmt_ns(base),
             fmt_ratio(base / noop) if noop else ""] +
            ["read(2): %s (%s)" % (fmt_ns(rd), fmt_vs(rd / base))
             if rd else "-"] + [""] * (len(others) - 1)))
    lines.append("")
    lines.append("A peer's cell: its time, and in brackets the peer's time "
                 "over netapibuf's: 17.7x means netapibuf is 17.7 times "
                 "cheaper, 1/14.3 that it costs 14.3 times more. \"x floor\": "
                 "netapibuf's time over one no-op ioctl.")
    if absent:
        lines.append("Absent in this kernel: %s." % ", ".join(absent))
    return "\n".join(lines)


def details(label, d):
    """Where the time goes: phases, growth per step, memory, agent."""
    lines = ["#### Details (%s)" % label, ""]
    ph = d["phases"]
    lines.append("Allocate / touch / free, per operation (clock reading "
                 "taken out):")
    lines.append("")
    peers = [p for p in PEERS if p in ph]
    head = ["Size"] + peers
    lines.append(row(head))
    lines.append(row(["---"] * len(head)))
    for size in SIZES + [REF_SIZE]:
        s = str(size)
        cells = [size_name(size)]
        for p in peers:
            x = ph[p].get(s)
            cells.append("%s / %s / %s" % (fmt_ns(x["alloc"]),
                                           fmt_ns(x["touch"]),
                                           fmt_ns(x["free"])) if x else "-")
        lines.append(row(cells))
    lines.append("")
    g = d["grow_step"].get("netapibuf")
    if g and "first64_per_step" in g:
        lines.append(
            "Growth by 4 KiB steps, netapibuf: %s per step over the first "
            "64 steps, %s over the last 64 (reallocate + touch the new "
            "page)." % (fmt_ns(g["first64_per_step"]),
                        fmt_ns(g["last64_per_step"])))
    for p in ("glibc",):
        g = d["grow_double"].get(p)
        if g:
            lines.append(
                "glibc doubling: the pointer moved %d times; of the %s MiB "
                "counted as copied (min(old, new) at each move), %s MiB "
                "moved with mremap(2) (chunks glibc had mmap()ed) rather "
                "than memcpy()." % (g["moves"], sig3(g["copied_bytes"] / 2**20),
                                    sig3(g["remapped_bytes"] / 2**20)))
    lines.append("")
    lv = d["live"]
    if lv:
        lines.append("Live 32-byte buffers, per buffer: MemFree+per-CPU "
                     "lists delta (total), of which slab, page tables, and "
                     "the module's pages:")
        lines.append("")
        lines.append(row(["Peer", "buffers", "total", "slab", "page tables",
                          "netapibuf pages", "RSS", "returned at free"]))
        lines.append(row(["---"] * 8))
        for p in PEERS:
            x = lv.get(p)
            if not x:
                continue
            lines.append(row([
                p, "%d" % x["n"], fmt_bytes(x["bytes_per_buffer"]),
                fmt_bytes(x["slab_per_buffer"]),
                fmt_bytes(x["pagetables_per_buffer"]),
                fmt_bytes(x["module_page_bytes_per_buffer"])
                if "module_page_bytes_per_buffer" in x else "-",
                fmt_bytes(x["rss_per_buffer"]),
                fmt_bytes(x["returned_bytes_per_buffer"])]))
        lines.append("")
    dl = d["deliver"]
    if "agent" in dl:
        a = dl["agent"]
        lines.append(
            "1 MiB result: agent call %s, first read of each page %s, free "
            "%s; read(2) producing and copying %s; read(2) copying "
            "already produced bytes %s." % (
                fmt_ns(a.get("call")), fmt_ns(a.get("read")),
                fmt_ns(a.get("free")), fmt_ns(dl.get("read", {}).get("per_op")),
                fmt_ns(dl.get("read-copy-only", {}).get("per_op"))))
        lines.append("")
    si = d["sysinfo"]
    if "wksta" in si and "netif" in si:
        lines.append("A daemon's questions, per call: the sample agent "
                     "through the library (one ioctl, a buffer, "
                     "NetApiBufferFree) against the same facts read "
                     "directly:")
        lines.append("")
        lines.append(row(["Question", "agent", "direct", "read from",
                          "direct over agent"]))
        lines.append(row(["---"] * 5))
        for key, peer, how in (
                ("wksta", "wksta-uname", "uname(2)"),
                ("wksta", "wksta-proc", "/proc/sys/kernel/{hostname,"
                 "domainname,osrelease}"),
                ("netif", "netif-sysfs", "/sys/class/net/*: 9 files an "
                 "interface")):
            if peer not in si:
                continue
            a = si[key]["per_op"]
            b = si[peer]["per_op"]
            name = ("NetWkstaGetInfo level 100" if key == "wksta" else
                    "NetInterfaceEnum level 0, %d interface%s" % (
                        si[key]["entries"],
                        "" if si[key]["entries"] == 1 else "s"))
            lines.append(row([name, fmt_ns(a), fmt_ns(b), how,
                              fmt_vs(b / a)]))
        lines.append("")
    if d["pages"]:
        lines.append("Page allocator, per page (alloc_pages + free of each "
                     "page):")
        lines.append("")
        lines.append(row(["pages", "order", "__GFP_ZERO", "allocate",
                          "free"]))
        lines.append(row(["---"] * 5))
        for x in d["pages"]:
            lines.append(row(["%d" % x["pages"], "%d" % x["order"],
                              "yes" if x["zero"] else "no",
                              fmt_ns(x["alloc_per_page"]),
                              fmt_ns(x["free_per_page"])]))
        lines.append("")
    if d["copies"]:
        lines.append("What netapibuf's ioctl dispatcher does around each "
                     "command, per call, in the kernel:")
        lines.append("")
        lines.append(row(["bytes", "copy_from_user", "copy_to_user",
                          "copy_struct_from_user",
                          "mutex_lock + mutex_unlock"]))
        lines.append(row(["---"] * 5))
        for x in d["copies"]:
            lines.append(row(["%d" % x["size"],
                              fmt_ns(x["copy_from_user"]),
                              fmt_ns(x["copy_to_user"]),
                              fmt_ns(x["copy_struct_from_user"]),
                              fmt_ns(x["mutex_lock_unlock"])]))
        lines.append("")
    return "\n".join(lines)


def threads_text(label, d):
    """The threads row: calls per second with 1 and 2 threads."""
    th = d["threads"]
    if not th:
        return ""
    lines = ["#### Allocate+Free of 16 B, touched, in threads (%s: two "
             "vCPUs, real time, not -icount)" % label, "",
             "| peer | 1 thread | 2 threads | 2 / 1 |",
             "|---|---|---|---|"]
    for peer in ("netapibuf", "glibc", "samba"):
        x = th.get(peer)
        if not x:
            continue
        one = x.get("1", {}).get("calls_per_s")
        two = x.get("2", {}).get("calls_per_s")
        lines.append("| %s | %s | %s | %s |" % (
            peer, "%s/s" % sig3(one) if one else "-",
            "%s/s" % sig3(two) if two else "-",
            fmt_ratio(two / one) if one and two else "-"))
    lines.append("")
    return "\n".join(lines)


def targets_text(label, tg):
    lines = ["#### Targets (%s)" % label, ""]
    for t in tg:
        verdict = {True: "holds", False: "MISSED", None: "not measured"}[
            t["holds"]]
        lines.append("- %s: **%s** (%s)" % (t["target"], verdict,
                                           t["detail"]))
    lines.append("")
    return "\n".join(lines)


def chart(runs, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.stderr.write("report.py: matplotlib is missing (apt-get install "
                         "python3-matplotlib), no chart\n")
        return False
    colors = {"netapibuf": "#1f77b4", "glibc": "#2ca02c",
              "samba": "#9467bd", "memfd": "#ff7f0e", "mmap": "#8c564b",
              "dmabuf-heap": "#d62728", "netapibuf-ioctl": "#17becf"}
    peers = ["netapibuf"] + OTHERS
    fig, axes = plt.subplots(len(runs), 4, figsize=(24, 5.5 * len(runs)),
                             squeeze=False)
    for i, (label, d) in enumerate(runs):
        kernel = d["meta"].get("kernel", label)
        # Allocate+Free by size.
        ax = axes[i][0]
        present = [p for p in peers if p in d["alloc_free"]]
        w = 0.8 / max(1, len(present))
        for j, p in enumerate(present):
            xs = [k + (j - (len(present) - 1) / 2) * w
                  for k in range(len(SIZES))]
            ys = [d["alloc_free"][p].get(str(s), 0) / 1000 for s in SIZES]
            ax.bar(xs, ys, w, label=p, color=colors[p])
        noop = d["floor"].get("noop-ioctl")
        if noop:
            ax.axhline(2 * noop / 1000, color="black", ls="--", lw=1,
                       label="2 no-op ioctls")
        ax.set_xticks(range(len(SIZES)))
        ax.set_xticklabels([size_name(s) for s in SIZES])
        ax.set_yscale("log")
        ax.set_ylabel("guest us per Allocate+Free (log)")
        ax.set_title("%s: Allocate + touch + Free" % kernel)
        ax.legend(fontsize=8)
        # Growth.
        ax = axes[i][1]
        present = [p for p in peers if p in d["grow_step"]]
        w = 0.8 / max(1, len(present))
        for j, p in enumerate(present):
            ys = [d["grow_double"][p]["ns"] / 1e6,
                  d["grow_step"][p]["ns"] / 1e6]
            xs = [k + (j - (len(present) - 1) / 2) * w for k in range(2)]
            ax.bar(xs, ys, w, label=p, color=colors[p])
        ref = d["alloc_free"].get("netapibuf", {}).get(str(REF_SIZE))
        if ref:
            ax.plot([0.6, 1.4], [4 * ref / 1e6] * 2, color="black", ls="--",
                    lw=1, label="4 x netapibuf 8 MiB alloc")
        ax.set_xticks([0, 1])
        ax.set_xticklabels(["doubling 4 KiB -> 64 MiB",
                            "4 KiB steps -> 8 MiB"])
        ax.set_ylabel("guest ms, whole growth")
        ax.set_title("%s: Reallocate" % kernel)
        ax.legend(fontsize=8)
        # Memory per live buffer.
        ax = axes[i][2]
        present = [p for p in peers if p in d["live"]]
        ys = [d["live"][p]["bytes_per_buffer"] for p in present]
        bars = ax.bar(range(len(present)), ys,
                      color=[colors[p] for p in present])
        for b, p in zip(bars, present):
            ax.annotate("%s\n(%dk)" % (fmt_bytes(b.get_height()),
                                        d["live"][p]["n"] // 1000),
                        (b.get_x() + b.get_width() / 2, b.get_height()),
                        ha="center", va="bottom", fontsize=8)
        ax.axhline(128, color="black", ls="--", lw=1, label="target 128 B")
        ax.set_ylim(10, max(ys + [128]) * 4)
        ax.set_xticks(range(len(present)))
        ax.set_xticklabels(present, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("bytes per live 32-byte buffer (log)")
        ax.set_title("%s: memory, kernel + user" % kernel)
        ax.legend(fontsize=8)
        # Delivery and floor.
        ax = axes[i][3]
        names, ys, cs = [], [], []
        for key, name in (("agent", "agent\ndelivery"),
                          ("read", "read(2)\nproduce+copy"),
                          ("read-copy-only", "read(2)\ncopy only")):
            if key in d["deliver"]:
                names.append(name)
                ys.append(d["deliver"][key]["per_op"] / 1000)
                cs.append("#1f77b4" if key == "agent" else "#7f7f7f")
        bars = ax.bar(range(len(names)), ys, color=cs)
        for b in bars:
            ax.annotate(fmt_ns(b.get_height() * 1000),
                        (b.get_x() + b.get_width() / 2, b.get_height()),
                        ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, fontsize=8)
        ax.set_ylabel("guest us per 1 MiB result")
        ax.set_ylim(0, max(ys + [1]) * 1.15)
        ax.set_title("%s: 1 MiB agent result" % kernel)
    fig.suptitle("netapibuf benchmark: guest time under QEMU TCG -icount "
                 "shift=0 (1 ns per guest instruction)")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=80)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", action="append", required=True,
                    help="LABEL=GUEST_LOG")
    ap.add_argument("--smp", action="append", default=[],
                    help="LABEL=GUEST_LOG of the two-vCPU threads run")
    ap.add_argument("--json", required=True)
    ap.add_argument("--png")
    ap.add_argument("--markdown")
    args = ap.parse_args()

    runs = []
    for spec in args.run:
        label, _, path = spec.partition("=")
        if not path:
            sys.exit("report.py: --run wants LABEL=GUEST_LOG, not %s" % spec)
        runs.append((label, derive(parse_log(path))))
    for spec in args.smp:
        label, _, path = spec.partition("=")
        if not path:
            sys.exit("report.py: --smp wants LABEL=GUEST_LOG, not %s" % spec)
        for lab, d in runs:
            if lab == label:
                d["threads"] = derive(parse_log(path))["threads"]

    out = {"units": "guest ns (QEMU -icount shift=0), bytes",
           "kernels": {}}
    text = []
    for label, d in runs:
        tg = targets(d)
        out["kernels"][label] = {"figures": d, "targets": tg}
        text += [table(label, d), "", threads_text(label, d),
                 targets_text(label, tg),
                 details(label, d)]
    report = "\n".join(text)
    print(report)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(report + "\n")
    if args.png and not chart(runs, args.png):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
