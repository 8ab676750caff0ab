"""nginx access log, `combined` format with `$request_time` appended.

    log_format opsdw '$remote_addr - $remote_user [$time_local] "$request" $status '
                     '$body_bytes_sent "$http_referer" "$http_user_agent" $request_time';

nginx escapes '"' inside variables as \\x22, so a good line splits on '"' into exactly 7 parts:
  1 `$remote_addr - $remote_user [$time_local] `   2 `$request`   3 ` $status $body_bytes_sent `
  4 `$http_referer`   5 ` `   6 `$http_user_agent`   7 ` $request_time`
Splitting on a character is far cheaper than a regular expression over the whole line, and each
part is split at most once more (on ' '). `$time_local` is parsed with one strptime; the common
'+0000' offset skips the offset arithmetic. Blank (whitespace-only) lines are not events.
"""

from __future__ import annotations

from orchestration.landing.parsers.base import ParseContext, sql_str
from orchestration.sources.catalog import HTTP_METHODS


class NginxCombinedParser:
    name = "nginx_combined"

    def select_sql(self, lines: str, ctx: ParseContext) -> str:
        methods = ", ".join(sql_str(m) for m in HTTP_METHODS)
        host = sql_str(ctx.file_host) if ctx.file_host else "NULL"
        return f"""
        WITH split AS (
            SELECT line_number, line, string_split(line, '"') AS p
            FROM {lines}
            -- not blank: the cheap prefix test settles nearly every line before the regex
            WHERE line IS NOT NULL
              AND (NOT (prefix(line, ' ') OR prefix(line, chr(9)) OR prefix(line, chr(13)))
                   OR NOT regexp_full_match(line, '\\s*'))
        ),
        fields AS (
            SELECT
                line_number, line, len(p) AS parts,
                p[1] AS head,
                string_split(p[1], ' ') AS h,
                strpos(p[1], '[') AS lb,
                string_split(p[2], ' ') AS req,
                string_split(p[3], ' ') AS nums,
                p[4] AS referer,
                p[6] AS user_agent,
                try_cast(p[7] AS DOUBLE) AS request_time_s
            FROM split
        ),
        typed AS (
            SELECT
                line_number, line, parts, req, referer, user_agent, request_time_s,
                h[1] AS remote_addr,
                h[3] AS remote_user,
                -- [21/Nov/2026:14:03:27 +0000]
                try_strptime(substr(head, lb + 1, 20), '%d/%b/%Y:%H:%M:%S') AS local_ts,
                substr(head, lb + 21, 7) AS tz,  -- ' +0000]'
                req[2] AS target,
                try_cast(nums[2] AS INTEGER) AS status,
                CASE WHEN len(nums) = 4 THEN try_cast(nums[3] AS BIGINT) END AS bytes_sent
            FROM fields
        ),
        utc AS (
            SELECT *,
                CASE WHEN tz = ' +0000]' THEN local_ts
                     WHEN regexp_full_match(tz, ' [+-][0-9]{{4}}]')
                     THEN local_ts - to_minutes(
                         (CASE WHEN tz[2] = '-' THEN -1 ELSE 1 END)
                         * (substr(tz, 3, 2)::INTEGER * 60 + substr(tz, 5, 2)::INTEGER))
                END AS ts_utc
            FROM typed
        )
        SELECT
            line_number,
            line,
            ts_utc AS ts,
            {host} AS host,
            remote_addr AS client_pseudo,
            nullif(remote_user, '-') AS user_pseudo,
            req[1] AS method,
            split_part(target, '?', 1) AS endpoint,
            req[3] AS protocol,
            status,
            bytes_sent,
            nullif(referer, '-') AS referer,
            user_agent,
            request_time_s * 1000.0 AS request_time_ms,
            CASE
                WHEN parts <> 7 THEN 'not nginx combined format (expected 3 quoted fields)'
                WHEN ts_utc IS NULL THEN 'unparseable $time_local'
                WHEN len(req) <> 3 OR NOT starts_with(target, '/') THEN 'malformed request line'
                WHEN req[1] NOT IN ({methods}) THEN 'unknown HTTP method'
                WHEN status IS NULL OR status < 100 OR status > 599 THEN 'status outside 100-599'
                WHEN bytes_sent IS NULL OR bytes_sent < 0 THEN 'invalid $body_bytes_sent'
                WHEN request_time_s IS NULL OR request_time_s < 0 OR isnan(request_time_s)
                    THEN 'invalid $request_time'
                WHEN remote_addr = '' THEN 'missing $remote_addr'
            END AS reject_reason
        FROM utc
        """
