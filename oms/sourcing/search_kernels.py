"""Numba kernels of the exact one-order search: node sets, their allocation, pruning.

The exact search (`search_kernel`) and why it returns the optimum
-----------------------------------------------------------------
Per order, lines are merged by SKU (they share a node's stock). A *candidate* is an eligible node
with remaining capacity and stock of at least one ordered SKU whose unit cost there is below the
unfilled penalty U (else a unit there never beats leaving it unfilled). Write f_n for its shipment
cost, c_nu for the unit cost of SKU u at n (its handling cost, plus the unit's opportunity price
when prices are given), P for the split penalty, K for max_shipments; f and P are >= 0 (unit costs
need only be below U). For a set S of candidates, c(S) = sum_S f + P (|S| - 1) + A(S),
where A(S) is the least unit cost (c_nu per unit taken, U per unit unfilled) of an allocation that
uses only S: a min-cost flow (SKU -> node -> sink, node capacities). When capacities do not bind it
is the per-SKU greedy by unit cost, which is exact, so the flow runs only when they bind. The
optimum is c(T*) for the set T* of nodes an optimal plan uses; every set evaluated is priced by a
real plan, so no evaluation is below it.

1. Every single candidate is priced (one node: its cheapest units up to capacity) and the best one
   evaluated; with the empty set (all unfilled) that is the incumbent. A greedy warm start then
   adds, while that lowers the cost, the node whose units are worth most net of its f + P: only
   an earlier, lower incumbent (steps 2-4 prune more); nothing below depends on how it was found.
2. Filter: a set of 2+ nodes holding n costs at least f_n + P + HLB, HLB the least conceivable
   unit cost of the order's units (each SKU at its cheapest covering node, ignoring capacities).
   A node where that reaches the incumbent is in no better set, and a better set of j nodes needs
   (j smallest f) + P (j - 1) + HLB below it: that bounds its size k, with k <= K, the number of
   candidates, and the order's units (every used node carries one).
3. Dominance: m dominates n when f_m <= f_n, c_mu <= c_nu for every SKU, capacity_m >= capacity_n
   and m covers at least as many units of every SKU, with ties broken by sorted position (so the
   relation is a strict partial order). In a set of at most k nodes, a node with k dominators can be
   replaced by one of them that is not in the set: n's units fit at m (coverage and capacity) and
   cost no more. Repeating this ends (the order is acyclic), so some optimal set of <= k nodes uses
   only nodes with fewer than k dominators (the k-skyline). Scanning candidates by f and counting
   dominators among those already kept finds exactly them: a node's first k dominators are kept.
4. Depth-first branch and bound over the skyline in increasing f: the children of a set S are S + r
   for each r after S's last node, so every subset of <= k skyline nodes is reached by exactly one
   path, and T* is reached unless a bound on its branch prunes it. The sets below S are S + R, R a
   non-empty subset of the nodes after S's last one (Rem). Two lower bounds on their c, each valid:
   a. c(S + R) >= sum_S f + P |S| + f_r + A'(S + Rem) for the first r of R (least f), where A' is A
      with capacities and the sharing of capacity between SKUs relaxed (per-SKU greedy): the set
      has at least the f of S and r and |S| splits, and an allocation over S + R is one over
      S + Rem. It grows with f_r, so the children are tried in increasing f until it fails.
      A'(all skyline nodes) <= A'(S + Rem) gives a free first test before computing (a) and (b).
   b. c(S + R) >= sum_S f + P (|S| - 1) + A''(S, Rem), where A'' is A' with every unit taken at a
      node r of Rem charged (f_r + P) / q_r more, q_r = min(capacity_r, units r covers): r carries
      at most q_r units, so its own f_r + P (paid when used, and >= 0 when not) is at least the
      units it carries times that share. A superset only helps through units still unfilled or
      dearer at S, and this charges the remaining nodes for each unit they could take.
   Both also cap a node's units of one SKU at its capacity. A set S itself is priced only if
   c(S) may beat the incumbent: when capacities bind, the flow runs only if sum_S f + P (|S| - 1)
   + A'(S) is below it (c charges every node of S; a cheaper subset is a set of its own).
   A branch is pruned when its bound reaches the incumbent (less rounding), so a set cheaper than
   the incumbent is never pruned: the search ends with the optimum, for any number of nodes.
5. A work budget bounds step 4 (`SEARCH_WORK` cells visited, at least `MIN_STEPS` steps): the
   search is exponential in the worst case (a cart of 10 lines and 200 candidate nodes each with
   2 units of capacity left ran for minutes), and checkout must answer. When the budget runs
   out the incumbent (step 1's greedy start, or a better set found since) is returned: a real
   plan, no longer proven optimal. No order of the shipped scenarios, benchmarks or tests
   reaches it (a test keeps an adversarial one within it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from oms.sourcing.compiled_rules import unfilled_cost
from oms.sourcing.set_kernels import (
    EPS,
    eval_set_below,
    eval_set_kernel,
    plan_cost,
    single_node_cost,
)

# Step 4's work budget, in (SKU, node) cells its bounds and set evaluations visit (about a second
# of numba on 100-line orders of big sets), and at least this many steps. Orders of the shipped
# scenarios, benchmarks and tests end far below it.
SEARCH_WORK = 10_000_000
MIN_STEPS = 200


@njit(cache=True)
def handling_lower_bound(hu, cov, m, dem, n_u, unfilled_penalty):  # type: ignore[no-untyped-def]
    """Least conceivable unit + unfilled cost of the order's units over all candidates."""
    lb = 0.0
    for u in range(n_u):
        min_h = unfilled_penalty
        total = 0
        for s in range(m):
            if cov[s, u] > 0:
                total += cov[s, u]
                min_h = min(min_h, hu[s, u])
        coverable = min(total, dem[u])
        lb += coverable * min_h + (dem[u] - coverable) * unfilled_penalty
    return lb


@njit(cache=True)
def _dominates(i, j, f, hu, cov, cap, n_u):  # type: ignore[no-untyped-def]
    if f[i] > f[j] or cap[i] < cap[j]:
        return False
    for u in range(n_u):  # noqa: SIM110 - a plain loop compiles in numba, all(genexpr) does not
        if cov[i, u] < cov[j, u] or hu[i, u] > hu[j, u]:
            return False
    return True


@njit(cache=True)
def skyline_kernel(order, n, f, hu, cov, cap, n_u, k, out_kept):  # type: ignore[no-untyped-def]
    """Candidates (given in increasing f) with fewer than k dominators; returns how many."""
    n_kept = 0
    for t in range(n):
        j = order[t]
        dominators = 0
        for r in range(n_kept):
            if _dominates(out_kept[r], j, f, hu, cov, cap, n_u):
                dominators += 1
                if dominators >= k:
                    break
        if dominators < k:
            out_kept[n_kept] = j
            n_kept += 1
    return n_kept


@njit(cache=True)
def _keep(sel, alloc, k, n_u, out_sel, out_alloc):  # type: ignore[no-untyped-def]
    for a in range(k):
        out_sel[a] = sel[a]
        for u in range(n_u):
            out_alloc[u, a] = alloc[u, a]


@njit(cache=True)
def search_kernel(  # type: ignore[no-untyped-def]
    f, h, hu, cov, cap, dem, m, n_u, max_shipments, split_p, unfilled_p, out_sel, out_alloc
):
    """Minimum-cost node set and allocation for one order (see the module docstring): f, h per
    candidate, hu [candidate, SKU] the unit costs the search minimises (h, or h plus a price).

    Returns (number of nodes chosen, cost): the cost is the contract's (handling h, no price);
    out_sel[:n] are candidate positions and out_alloc[u, a] the units of merged SKU u at
    out_sel[a]."""
    n_sel = _search(
        f, hu, cov, cap, dem, m, n_u, max_shipments, split_p, unfilled_p, out_sel, out_alloc
    )
    total = 0
    for u in range(n_u):
        total += dem[u]
    return n_sel, plan_cost(out_sel, n_sel, f, h, out_alloc, n_u, total, split_p, unfilled_p)


@njit(cache=True)
def _search(  # type: ignore[no-untyped-def]
    f, hu, cov, cap, dem, m, n_u, max_shipments, split_penalty, unfilled_penalty, out_sel, out_alloc
):
    """Steps 1-4 of the module docstring on unit costs hu; returns the number of nodes chosen."""
    total = 0
    for u in range(n_u):
        total += dem[u]
    best = unfilled_cost(total, unfilled_penalty) * 1.0
    best_k = 0
    k_max = min(max_shipments, m, total)
    if k_max <= 0:
        return 0
    sel = np.empty(k_max + 1, dtype=np.int64)
    alloc = np.empty((n_u, k_max + 1), dtype=np.int64)
    load = np.empty(k_max + 1, dtype=np.int64)
    by_h = np.empty(k_max + 1, dtype=np.int64)
    args = (f, hu, cov, cap, dem, n_u, split_penalty, unfilled_penalty, alloc, load, by_h)
    best_single = -1
    for s in range(m):
        c = single_node_cost(f[s], s, cov, cap, hu, n_u, total, unfilled_penalty)
        if c < best - EPS:
            best, best_single = c, s
    if best_single >= 0:
        sel[0] = best_single
        best = eval_set_kernel(sel, 1, *args)
        best_k = 1
        _keep(sel, alloc, 1, n_u, out_sel, out_alloc)
    if k_max < 2:
        return best_k
    best, best_k = _greedy_start(m, k_max, sel, args, best, best_k, out_sel, out_alloc)
    kept, n_s, k = _skyline(m, k_max, args, best)
    if k >= 2 and n_s >= 2:
        best_k = _branch_and_bound(kept, n_s, k, sel, args, best, best_k, out_sel, out_alloc)
    return best_k


@njit(cache=True)
def _greedy_start(m, k_max, sel, args, best, best_k, out_sel, out_alloc):  # type: ignore[no-untyped-def]
    """Step 1b: from the best single node, add the node whose units still unfilled are worth
    most net of its f + P, while that lowers the cost. Only a warm start: a low incumbent early
    makes k, the skyline and the pruning smaller; the result does not depend on it."""
    f, hu, cov, cap, dem, n_u, split_p, unfilled_p, alloc = args[:9]
    need = np.empty(n_u, dtype=np.int64)
    d = best_k
    for a in range(d):
        sel[a] = out_sel[a]
    while 1 <= d < k_max:
        short = 0
        for u in range(n_u):
            need[u] = dem[u]
            for a in range(d):
                need[u] -= out_alloc[u, a]
            short += need[u]
        if short == 0:
            break
        add, add_score = -1, 0.0
        for r in range(m):
            taken = False
            for a in range(d):
                taken = taken or sel[a] == r
            room, score = cap[r], -f[r] - split_p
            for u in range(n_u):
                t = min(cov[r, u], need[u], room)
                score += t * (unfilled_p - hu[r, u])
                room -= t
            if not taken and score > add_score:
                add, add_score = r, score
        if add < 0:
            break
        sel[d] = add
        c = eval_set_kernel(sel, d + 1, *args)
        if c >= best - EPS:
            break
        best, best_k, d = c, d + 1, d + 1
        _keep(sel, alloc, d, n_u, out_sel, out_alloc)
    return best, best_k


@njit(cache=True)
def _skyline(m, k_max, args, best):  # type: ignore[no-untyped-def]
    """Steps 2-3: the candidates that may be in a better set of 2+ nodes, in increasing f, reduced
    to the k-skyline, and k, the most nodes such a set can have."""
    f, hu, cov, cap, dem, n_u, split_p, unfilled_p = args[:8]
    hlb = handling_lower_bound(hu, cov, m, dem, n_u, unfilled_p)
    filt = np.empty(m, dtype=np.int64)
    n_f = 0
    for s in range(m):
        if f[s] + split_p + hlb < best - EPS:
            filt[n_f] = s
            n_f += 1
    by_f = filt[:n_f][np.argsort(f[filt[:n_f]], kind="mergesort")]
    k = 1
    least = f[by_f[0]] if n_f > 0 else 0.0
    while k < min(k_max, n_f) and least + f[by_f[k]] + k * split_p + hlb < best - EPS:
        least += f[by_f[k]]
        k += 1
    kept = np.empty(n_f, dtype=np.int64)
    n_s = skyline_kernel(by_f, n_f, f, hu, cov, cap, n_u, k, kept) if k >= 2 else 0
    return kept, n_s, k


@njit(cache=True)
def _unit_cost_orders(kept, n_s, f, hu, cov, cap, n_u, split_p):  # type: ignore[no-untyped-def]
    """Per SKU, skyline positions by unit cost (plain) and by unit cost plus the node's share of
    its own f + P (step 4b), and that share."""
    share = np.empty(n_s, dtype=np.float64)
    for p in range(n_s):
        s = kept[p]
        covered = 0
        for u in range(n_u):
            covered += cov[s, u]
        share[p] = (f[s] + split_p) / max(min(cap[s], covered), 1)
    plain = np.empty((n_u, n_s), dtype=np.int64)
    charged = np.empty((n_u, n_s), dtype=np.int64)
    for u in range(n_u):
        c = hu[kept[:n_s], u]
        plain[u] = np.argsort(c, kind="mergesort")
        charged[u] = np.argsort(c + share, kind="mergesort")
    return plain, charged, share


@njit(cache=True)
def _extension_bounds(last, in_set, kept, n_s, orders, hu, cov, cap, dem, n_u, unfilled_p):  # type: ignore[no-untyped-def]
    """A'(S + Rem) and A''(S, Rem) of step 4 for S = in_set, Rem = positions after `last`."""
    plain, charged, share = orders
    relaxed = 0.0
    charged_cost = 0.0
    for u in range(n_u):
        rem = dem[u]
        for t in range(n_s):
            p = plain[u, t]
            if rem == 0 or hu[kept[p], u] >= unfilled_p:
                break
            if in_set[p] or p > last:
                q = min(rem, cov[kept[p], u], cap[kept[p]])
                relaxed += q * hu[kept[p], u]
                rem -= q
        relaxed += rem * unfilled_p
        rem, i, j = dem[u], 0, 0
        while rem > 0:  # merge: S's nodes at their unit cost, Rem's with their share
            while i < n_s and not in_set[plain[u, i]]:
                i += 1
            while j < n_s and charged[u, j] <= last:
                j += 1
            ci = hu[kept[plain[u, i]], u] if i < n_s else np.inf
            cj = hu[kept[charged[u, j]], u] + share[charged[u, j]] if j < n_s else np.inf
            if min(ci, cj) >= unfilled_p:
                break
            if ci <= cj:
                p, c = plain[u, i], ci
                i += 1
            else:
                p, c = charged[u, j], cj
                j += 1
            q = min(rem, cov[kept[p], u], cap[kept[p]])
            charged_cost += q * c
            rem -= q
        charged_cost += rem * unfilled_p
    return relaxed, charged_cost


@njit(cache=True)
def _branch_and_bound(kept, n_s, k, sel, args, best, best_k, out_sel, out_alloc):  # type: ignore[no-untyped-def]
    """Step 4: every set of 2..k skyline nodes that its branch's bounds do not rule out."""
    f, hu, cov, cap, dem, n_u, split_p, unfilled_p, alloc = args[:9]
    orders = _unit_cost_orders(kept, n_s, f, hu, cov, cap, n_u, split_p)
    in_set = np.zeros(n_s, dtype=np.bool_)
    pos = np.empty(k + 1, dtype=np.int64)  # skyline positions of the set's nodes
    nxt = np.empty(k + 1, dtype=np.int64)  # the next child to try, per depth
    base = np.empty(k + 1, dtype=np.float64)  # bound (a) of a child, less its f
    ship = np.zeros(k + 1, dtype=np.float64)  # sum of f over the set
    root, _ = _extension_bounds(-1, in_set, kept, n_s, orders, hu, cov, cap, dem, n_u, unfilled_p)
    work, steps = 0, 0  # the budget of step 5
    depth = 0
    nxt[0] = 0
    while True:
        steps += 1
        work += (n_s + depth + 1) * n_u  # a pass of the bounds, an evaluation of the set
        if work > SEARCH_WORK and steps > MIN_STEPS:  # adversarial: the incumbent (step 5)
            return best_k
        r = nxt[depth]
        if depth == 0:  # a first node needs a second one after it
            go = r + 1 < n_s and f[kept[r]] + f[kept[r + 1]] + split_p + root < best - EPS
        else:
            go = r < n_s and base[depth] + f[kept[r]] < best - EPS
        if not go:
            if depth == 0:
                return best_k
            depth -= 1
            in_set[pos[depth]] = False
            continue
        nxt[depth] = r + 1
        pos[depth], sel[depth], in_set[r] = r, kept[r], True
        d = depth + 1
        ship[d] = ship[depth] + f[kept[r]]
        if d >= 2:
            c = eval_set_below(sel, d, args, best - EPS)
            if c < best - EPS:
                best, best_k = c, d
                _keep(sel, alloc, d, n_u, out_sel, out_alloc)
        # (a) with the root's A' (a lower A') first: it is free, and the exact bounds cost a
        # pass over the skyline.
        if d < k and r + 1 < n_s and ship[d] + split_p * d + f[kept[r + 1]] + root < best - EPS:
            a, b = _extension_bounds(
                r, in_set, kept, n_s, orders, hu, cov, cap, dem, n_u, unfilled_p
            )
            bound = max(ship[d] + split_p * d + f[kept[r + 1]] + a, ship[d] + split_p * (d - 1) + b)
            if bound < best - EPS:
                base[d] = ship[d] + split_p * d + a
                nxt[d] = r + 1
                depth = d
                continue
        in_set[r] = False
