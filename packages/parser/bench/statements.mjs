/** The statements the parser benchmark measures: the issue names these three. */

/** pgbench's select-only transaction, with the literal a simple-protocol client sends. */
export const pgbenchSelect = "SELECT abalance FROM pgbench_accounts WHERE aid = 12345";

/** The first UPDATE of pgbench's TPC-B transaction. */
export const pgbenchUpdate = "UPDATE pgbench_accounts SET abalance = abalance + -4321 WHERE aid = 98765;";

/** A 40-line analytic query with CTEs, joins and window functions. */
export const analyticQuery = `WITH monthly AS (
  SELECT date_trunc('month', o.created_at) AS month,
         c.region,
         sum(o.amount) AS revenue,
         count(DISTINCT o.customer_id) AS customers
  FROM orders o
  JOIN customers c ON c.id = o.customer_id
  LEFT JOIN refunds r ON r.order_id = o.id
  WHERE o.created_at >= DATE '2024-01-01'
    AND o.status IN ('paid', 'shipped')
    AND r.id IS NULL
  GROUP BY 1, 2
),
ranked AS (
  SELECT month,
         region,
         revenue,
         customers,
         rank() OVER (PARTITION BY month ORDER BY revenue DESC) AS region_rank,
         revenue - lag(revenue) OVER (PARTITION BY region ORDER BY month) AS growth,
         avg(revenue) OVER (PARTITION BY region ORDER BY month
                            ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving_avg
  FROM monthly
)
SELECT r.month,
       r.region,
       r.revenue,
       r.customers,
       r.region_rank,
       coalesce(r.growth, 0) AS growth,
       round(r.moving_avg::numeric, 2) AS moving_avg,
       CASE WHEN r.growth > 0 THEN 'up' WHEN r.growth < 0 THEN 'down' ELSE 'flat' END AS trend
FROM ranked r
WHERE r.region_rank <= 3
  AND EXISTS (SELECT 1 FROM targets t WHERE t.region = r.region AND t.month = r.month)
ORDER BY r.month DESC, r.region_rank
LIMIT 100`;
