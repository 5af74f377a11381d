#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""trace-summary.py: what bench/nab-bench-trace's function_graph trace says.

Usage: trace-summary.py TRACE_LOG [MAX_DEPTH]

For each operation (the "op ..." markers nab-bench trace writes), prints
the traced calls under the module's ioctl and fault handlers as a tree,
each node with its inclusive time summed over the calls of that operation
and the number of calls: 4 MiB of pages allocated one at a time shows up
as one __alloc_pages node with 1024 calls.

The tracer costs some hundreds of guest ns per traced call. Its estimate
is the cheapest traced call of the trace (a mutex_unlock(), whose own work
is a few ns); each node's time is printed with that much taken out for
itself and for every traced call under it. nab-bench-trace traces no
function that runs once per page, so the correction stays small.
"""

import re
import sys

LINE = re.compile(r"^\s*\d+\)\s*(?P<dur>[^|]*)\|\s?(?P<body>.*)$")
DUR = re.compile(r"([\d.]+)\s*us")
MARK = re.compile(r"/\*\s*op (?P<op>.*?)\s*\*/")


def name_of(text):
    """The function name, without module tag, arguments or braces."""
    text = text.strip()
    text = re.sub(r"/\*.*\*/", "", text).strip()
    text = text.rstrip("{;} ").strip()
    text = re.sub(r"\(\)$", "", text)
    text = re.sub(r"\s*\[\w+\]", "", text)
    return text.replace("()", "").strip()


class Node:
    def __init__(self, name):
        self.name = name
        self.us = 0.0
        self.calls = 0
        self.children = {}

    def traced(self):
        """Traced calls in this subtree, its own included."""
        return self.calls + sum(c.traced() for c in self.children.values())

    def child(self, name):
        if name not in self.children:
            self.children[name] = Node(name)
        return self.children[name]


def parse(path):
    ops = []          # root Node per operation
    kernel = "?"
    cheapest = None   # the cheapest traced call: the tracer's own cost
    root = None
    stack = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            if raw.startswith("@@trace kernel"):
                kernel = raw.split()[-1]
                continue
            m = LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            body = m.group("body")
            mark = MARK.search(body)
            if mark:
                root = Node(mark.group("op"))
                ops.append(root)
                stack = [root]
                continue
            if root is None:
                continue
            dur = DUR.search(m.group("dur"))
            us = float(dur.group(1)) if dur else None
            text = body.strip()
            if text.endswith("{"):
                stack.append(stack[-1].child(name_of(text)))
            elif text.startswith("}"):
                if len(stack) > 1:
                    node = stack.pop()
                    node.calls += 1
                    if us is not None:
                        node.us += us
            elif text.endswith(";"):
                node = stack[-1].child(name_of(text))
                node.calls += 1
                if us is not None:
                    node.us += us
                    if cheapest is None or us < cheapest:
                        cheapest = us
    return kernel, ops, cheapest or 0.0


def net(node, ovh):
    return max(0.0, node.us - ovh * node.traced())


def show(node, depth, max_depth, ovh, out):
    kids = sorted(node.children.values(), key=lambda n: -net(n, ovh))
    for k in kids:
        if net(k, ovh) < 0.1 and depth > 1:
            continue
        out.append("%s%-*s %10.1f us  %5d call%s" % (
            "  " * depth, 48 - 2 * depth, k.name, net(k, ovh), k.calls,
            "" if k.calls == 1 else "s"))
        if depth < max_depth:
            show(k, depth + 1, max_depth, ovh, out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    max_depth = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    kernel, ops, ovh = parse(sys.argv[1])
    out = ["function_graph under nab_ioctl and nab_fault, kernel %s: guest "
           "us, inclusive, summed over the calls, with the tracer's "
           "estimated %.2f us per traced call taken out" % (kernel, ovh)]
    for op in ops:
        if op.name == "end":
            continue
        total = sum(net(n, ovh) for n in op.children.values())
        out.append("")
        out.append("== %s: %.1f us in the module's handlers" % (op.name,
                                                                  total))
        show(op, 1, max_depth, ovh, out)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
