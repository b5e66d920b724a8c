"""A million orders on PostgreSQL in set-based SQL (generate_series; no Python loop per row),
shaped like a retailer's: 4 DCs and 96 stores, 2,000 SKUs, 100,000 customers.

- orders: evenly over a year from 2025-12-01 (a hundredth share an instant with the one before); ids
  as the service makes them ("O-" + 12 upper-case hex, scattered by a bijective hash);
  statuses, channels (web 55%, app 25%, store 12%, marketplace 8%) and methods (pickup 30%, at
  a store) by fixed shares; 70% for a customer (their e-mail), the others guests; 60% with a
  phone.
- 1 to 3 lines each (about 2M); two orders in three buy among the first 200 SKUs; one
  allocation a line, at the pickup store for most pickups, else at a DC (80%) or a store;
  3% of orders have a return; order_nodes as the services write it (about 1.3M rows).

Indexes are dropped during the load and created again from their own definitions, and foreign
key triggers are off (the data is consistent by construction): what the migration declared is
what the search then runs on.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, text

STORES = 96
DCS = 4
SKUS = 2_000
CUSTOMERS = 100_000
START = "2025-12-01 00:00:00+00"
YEAR_S = 365 * 24 * 3600
TABLES = ("orders", "order_lines", "allocations", "order_nodes", "returns")

# h(g): a bijection of 0..2^48-1 (an odd multiplier), so that ids are unique and scattered.
_HASH = "((g::bigint * 2654435761) % 281474976710656)"

STEPS = {
    "nodes": f"""
        INSERT INTO nodes (id, kind, lat, lon, can_ship, can_pickup, handling_cost,
                           shipment_cost, cost_per_km, timezone, cutoff_time, processing_days,
                           open_days, holidays, opens, closes, pick_lead_minutes, enabled,
                           created_at, store_protection, hold_days, accepts_returns)
        SELECT CASE WHEN g < {DCS} THEN 'DC-' || lpad(g::text, 2, '0')
                    ELSE 'ST-' || lpad(g::text, 4, '0') END,
               CASE WHEN g < {DCS} THEN 'warehouse' ELSE 'store' END,
               45.0 + g % 5, 2.0 + g % 4, true, g >= {DCS}, 0.5, 3.0, 0.01, 'Europe/Paris',
               '14:00', 0, '01234', '[]', '09:00', '18:00', 120, true, now(), 0, 7, g >= {DCS}
        FROM generate_series(0, {DCS + STORES - 1}) g""",
    "skus": f"""
        INSERT INTO skus (id, name, price_minor, currency, final_sale)
        SELECT 'SKU-' || lpad(g::text, 5, '0'), 'SKU ' || g, 500 + (g * 37) % 9500, 'EUR', false
        FROM generate_series(0, {SKUS - 1}) g""",
    "customers": f"""
        INSERT INTO customers (id, email, name, phone, locale, created_at, updated_at)
        SELECT 'cus_' || g, 'customer' || g || '@example.com', 'Customer ' || g,
               '+336' || lpad(g::text, 8, '0'), 'fr', now(), now()
        FROM generate_series(0, {CUSTOMERS - 1}) g""",
    "orders": f"""
        INSERT INTO orders (id, status, channel, method, pickup_node, currency, created_at,
                            updated_at, version, discount_minor, shipping_minor, service,
                            customer_id, email, phone, dest_lat, dest_lon)
        SELECT 'O-' || upper(lpad(to_hex({_HASH}), 12, '0')),
               CASE WHEN s < 50 THEN 'delivered' WHEN s < 70 THEN 'shipped'
                    WHEN s < 78 THEN 'collected' WHEN s < 85 THEN 'cancelled'
                    WHEN s < 90 THEN 'allocated' WHEN s < 94 THEN 'picking'
                    WHEN s < 96 THEN 'ready_for_pickup' WHEN s < 98 THEN 'created'
                    ELSE 'expired' END,
               CASE WHEN c < 55 THEN 'web' WHEN c < 80 THEN 'app' WHEN c < 92 THEN 'store'
                    ELSE 'marketplace' END,
               CASE WHEN pickup THEN 'pickup' ELSE 'ship' END,
               CASE WHEN pickup THEN 'ST-' || lpad(({DCS} + g % {STORES})::text, 4, '0') END,
               'EUR', at, at, 0, 0, 0, 'standard',
               CASE WHEN known THEN 'cus_' || cust END,
               CASE WHEN known THEN 'customer' || cust || '@example.com'
                    ELSE 'guest' || g || '@example.net' END,
               CASE WHEN g % 5 < 3 THEN '+336' || lpad((CASE WHEN known THEN cust
                                                            ELSE {CUSTOMERS} + g END)::text,
                                                       8, '0') END,
               48.85, 2.35
        FROM (SELECT g, (g * 7919) % 100 AS s, (g * 104729) % 100 AS c,
                     (g * 31) % 10 < 3 AS pickup, g % 10 < 7 AS known,
                     (g * 7907) % {CUSTOMERS} AS cust,
                     timestamptz '{START}'
                       + make_interval(secs => (g - (g % 100 = 0)::int) * {YEAR_S}.0 / :count)
                       AS at
              FROM generate_series(1::bigint, :count) g) o""",
    "order_lines": f"""
        INSERT INTO order_lines (id, order_id, line_no, sku_id, qty, price_minor, status)
        SELECT o.id || '-' || n, o.id, n,
               'SKU-' || lpad((abs(hashtext(o.id || n))
                               % CASE WHEN abs(hashtext(o.id)) % 3 = 0 THEN {SKUS} ELSE 200 END
                              )::text, 5, '0'),
               1 + abs(hashtext(o.id || 'q' || n)) % 3, 1999, 'allocated'
        FROM orders o, generate_series(1, 1 + abs(hashtext(o.id)) % 3) n""",
    "allocations": f"""
        INSERT INTO allocations (order_line_id, node_id, qty)
        SELECT l.id,
               CASE WHEN o.pickup_node IS NOT NULL AND r < 80 THEN o.pickup_node
                    WHEN r < 80 OR o.pickup_node IS NOT NULL
                        THEN 'DC-' || lpad((r % {DCS})::text, 2, '0')
                    ELSE 'ST-' || lpad(({DCS} + abs(hashtext(l.id || 's')) % {STORES})::text,
                                       4, '0') END,
               l.qty
        FROM order_lines l JOIN orders o ON o.id = l.order_id,
             LATERAL (SELECT abs(hashtext(l.id)) % 100 AS r) x""",
    # What the services write with each order (oms/orders/involved.py): the allocations'
    # nodes, and the pickup store.
    "order_nodes": """
        INSERT INTO order_nodes (order_id, node_id, created_at, supplies)
        SELECT order_id, node_id, created_at, bool_or(supplies)
        FROM (SELECT l.order_id, a.node_id, o.created_at, true AS supplies
              FROM allocations a
              JOIN order_lines l ON l.id = a.order_line_id
              JOIN orders o ON o.id = l.order_id
              UNION ALL
              SELECT o.id, o.pickup_node, o.created_at, false
              FROM orders o WHERE o.pickup_node IS NOT NULL) x
        GROUP BY order_id, node_id, created_at""",
    "returns": """
        INSERT INTO returns (id, order_id, status, method, reason, destination,
                             purchase_channel, cross_channel, created_at)
        SELECT 'RMA-' || o.id, o.id, 'received', 'mail', 'defective', 'DC-00', o.channel,
               false, o.created_at + interval '10 days'
        FROM orders o WHERE o.status = 'delivered' AND abs(hashtext(o.id)) % 100 < 6""",
}


def load(conn: Connection, count: int) -> dict[str, float]:
    """Write the network and ``count`` orders; the seconds each step took."""
    took: dict[str, float] = {}
    conn.execute(text("SET session_replication_role = replica"))  # no FK triggers
    definitions = _drop_indexes(conn)
    for name, sql in STEPS.items():
        started = time.perf_counter()
        conn.execute(text(sql), {"count": count} if ":count" in sql else {})
        took[name] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    conn.execute(text("SET maintenance_work_mem = '256MB'"))
    for definition in definitions:
        conn.execute(text(definition))
    took["indexes"] = round(time.perf_counter() - started, 1)
    conn.execute(text("SET session_replication_role = origin"))
    return took


def _drop_indexes(conn: Connection) -> list[str]:
    """Drop the search tables' plain indexes (not the keys'); their definitions, to recreate."""
    rows = conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = ANY(:tables) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ),
        {"tables": list(TABLES)},
    ).all()
    for name, _ in rows:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]
