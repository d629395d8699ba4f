"""PostgreSQL recomputes every inserted audit event's hash, so a database user who may only INSERT cannot append
an event with a made-up hash (docs/security.md, "Audit log").

The insert trigger already refused an event that does not extend its chain (position, previous hash); it now
also builds the event's canonical content in SQL, exactly the bytes ``models/audit/chain.py`` hashes (a JSON
array with no whitespace, keys sorted by code point, strings ASCII-escaped as Python's ``json.dumps`` does, the
time as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, numbers as plain decimals without trailing fractional zeros), and
refuses the row unless ``hash`` is its ``sha256()`` (PostgreSQL 11 and later). Three helper functions build the
text: ``audit_event_json_text`` (a string), ``audit_event_json_number`` and ``audit_event_canonical_json`` (any
JSONB value, recursively). SQLite has no sha256 and keeps its triggers: whoever can write its file can rewrite
the chain anyway, which ``modelreg audit verify`` and an external copy of the heads detect. No table changes,
so ``MODELS_STATE`` is migration 4's.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = ""

_HELPERS = r"""
CREATE OR REPLACE FUNCTION "audit_event_json_text"(value text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    result text := '"';
    ch text;
    code integer;
BEGIN
    -- json.dumps(value, ensure_ascii=True): short escapes for " \ and five controls, \u00XX for the other
    -- controls and DEL, \uXXXX (lower-case hex) beyond ASCII, a surrogate pair beyond the BMP.
    FOR i IN 1 .. char_length(value) LOOP
        ch := substr(value, i, 1);
        code := ascii(ch);
        IF ch = '"' THEN result := result || '\"';
        ELSIF ch = '\' THEN result := result || '\\';
        ELSIF code = 10 THEN result := result || '\n';
        ELSIF code = 13 THEN result := result || '\r';
        ELSIF code = 9 THEN result := result || '\t';
        ELSIF code = 8 THEN result := result || '\b';
        ELSIF code = 12 THEN result := result || '\f';
        ELSIF code >= 32 AND code < 127 THEN result := result || ch;
        ELSIF code > 65535 THEN
            code := code - 65536;
            result := result || '\u' || lpad(to_hex(55296 + (code >> 10)), 4, '0')
                || '\u' || lpad(to_hex(56320 + (code & 1023)), 4, '0');
        ELSE result := result || '\u' || lpad(to_hex(code), 4, '0');
        END IF;
    END LOOP;
    RETURN result || '"';
END;
$$;
CREATE OR REPLACE FUNCTION "audit_event_json_number"(value numeric) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    result text;
BEGIN
    IF value = 0 THEN
        RETURN '0';
    END IF;
    result := value::text;  -- numeric prints plain digits, never an exponent
    IF position('.' IN result) > 0 THEN
        result := rtrim(rtrim(result, '0'), '.');
    END IF;
    RETURN result;
END;
$$;
CREATE OR REPLACE FUNCTION "audit_event_canonical_json"(value jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    kind text := jsonb_typeof(value);
BEGIN
    IF value IS NULL OR kind = 'null' THEN
        RETURN 'null';
    ELSIF kind = 'boolean' THEN
        RETURN CASE WHEN value::boolean THEN 'true' ELSE 'false' END;
    ELSIF kind = 'number' THEN
        RETURN "audit_event_json_number"(value::numeric);
    ELSIF kind = 'string' THEN
        RETURN "audit_event_json_text"(value #>> '{}');
    ELSIF kind = 'array' THEN
        RETURN '[' || coalesce((
            SELECT string_agg("audit_event_canonical_json"(item), ',' ORDER BY place)
            FROM jsonb_array_elements(value) WITH ORDINALITY AS items(item, place)
        ), '') || ']';
    END IF;
    -- Keys in code point order, as Python sorts str: byte order of UTF-8 is code point order.
    RETURN '{' || coalesce((
        SELECT string_agg("audit_event_json_text"(key) || ':' || "audit_event_canonical_json"(item), ','
                          ORDER BY key COLLATE "C")
        FROM jsonb_each(value) AS items(key, item)
    ), '') || '}';
END;
$$;
"""

_OPTIONAL = r"""coalesce("audit_event_json_text"({0}::text), 'null')"""
_CANONICAL = " || ',' || ".join(
    [
        "'[\"modelreg-audit-1\"'",
        "NEW.chain_seq::text",
        '"audit_event_json_text"(NEW.previous_hash)',
        '"audit_event_json_text"(NEW.action::text)',
        '"audit_event_json_text"(NEW.actor)',
        """"audit_event_json_text"(to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))""",
        "coalesce(NEW.model_id::text, 'null')",
        _OPTIONAL.format("NEW.model_name"),
        "coalesce(NEW.version_id::text, 'null')",
        _OPTIONAL.format("NEW.environment"),
        "coalesce(NEW.previous_version_id::text, 'null')",
        _OPTIONAL.format("NEW.reason"),
        _OPTIONAL.format("NEW.request_id"),
        '"audit_event_canonical_json"(NEW.details)',
    ]
) + " || ']'"


def _trigger(check_hash: bool) -> str:
    hash_check = (
        f"""
        IF NEW.hash <> encode(sha256(convert_to({_CANONICAL}, 'UTF8')), 'hex') THEN
            RAISE EXCEPTION 'audit_event: the hash does not match the event''s content; write it with models.audit.record'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;"""
        if check_hash
        else ""
    )
    return f"""
CREATE OR REPLACE FUNCTION "audit_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.chain_seq < 1 OR NEW.hash !~ '^[0-9a-f]{{64}}$' OR NEW.previous_hash IS DISTINCT FROM (
            CASE
                WHEN NEW.chain_seq = 1 THEN ''
                WHEN NEW.model_id IS NULL THEN (
                    SELECT e.hash FROM "audit_event" e
                    WHERE e.model_id IS NULL AND e.chain_seq = NEW.chain_seq - 1 AND e.chain_seq > 0
                )
                ELSE (
                    SELECT e.hash FROM "audit_event" e
                    WHERE e.model_id = NEW.model_id AND e.chain_seq = NEW.chain_seq - 1 AND e.chain_seq > 0
                )
            END
        ) THEN
            RAISE EXCEPTION 'audit_event: an event must extend its chain (chain_seq, previous_hash, hash); write it with models.audit.record'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;{hash_check}
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.hash = '' AND NEW.chain_seq >= 1 AND NEW.hash ~ '^[0-9a-f]{{64}}$'
        AND (NEW.id, NEW.action, NEW.actor, NEW.at, NEW.model_id, NEW.model_name, NEW.version_id,
             NEW.environment, NEW.previous_version_id, NEW.reason, NEW.request_id, NEW.details)
        IS NOT DISTINCT FROM
            (OLD.id, OLD.action, OLD.actor, OLD.at, OLD.model_id, OLD.model_name, OLD.version_id,
             OLD.environment, OLD.previous_version_id, OLD.reason, OLD.request_id, OLD.details)
    THEN
        RETURN NEW;  -- sealing an event written before the chain existed, once
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


POSTGRES = _HELPERS + _trigger(check_hash=True)

POSTGRES_DOWNGRADE = (
    _trigger(check_hash=False)
    + """
DROP FUNCTION IF EXISTS "audit_event_canonical_json"(jsonb);
DROP FUNCTION IF EXISTS "audit_event_json_number"(numeric);
DROP FUNCTION IF EXISTS "audit_event_json_text"(text);
"""
)


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES_DOWNGRADE if db.capabilities.dialect == "postgres" else SQLITE


MODELS_STATE = (
    "eJztHWtX2zj2r+j4S+keylBaaJfu7jkppDPZAuGElHkxxxGxSLQ4csaWgexs//teye9XsB"
    "M7cYK/QCzpSvK90n3pXvkvZWJoRLf2WlPaN+4JU47RXwrDEwI/EnW7SMHTaVAjCji+1WVj"
    "PKUq95vdWtzEQw4Vd1i3CBRpxBqadMqpIQZRWgy1LjtIQuyhLtNniI8Jssb44PAIGXfOEx"
    "mahCNqIYsbJtE+xUvHxiNDBhsShDmCUiy63xMz0IwhTIGy0SoGsxn90ybw+iMCMCYM+fsf"
    "UEyZRp6I5T1O79U7SnQtgmOqiQ5kucpnU1n2mY46jH+RbcWr3KpDQ7cnLGg/nfGxwXwAyr"
    "goHRFGTMyJGIGbtsA6s3XdpZBHCGeyQRNnliEYjdxhWxe0E9DOBIIyRVUvun31qt1XVSVB"
    "Vw8ihH23aGgwsSZgqpZEwEhM4c3fDw7evftwsP/u6OPh+w8fDj/uf4S2cr7Jqg/fnckE2H"
    "K6kjjr/Ni56IsJGbDwnCUpCr5LGMyxAyWJEWBf/k/g/2SMzXTse+1j+IcXi+Pfw3Z9CTDB"
    "T6pO2IiP4fHtwcc5yL1u9U5+avV2oNXrKIov3KoDp05gO8CuaegZ2G0zeyIx3IE5YdhSCU"
    "x7sOVg2isIUB2wpcVxrfTardN27xgBL9CIecN+7nX64vnRpFw8n7Yvz7q/ihKNTHVjJspa"
    "p+edi2OEtQllcUaVi1JHeQh1lE2noziZHBanjrE1LrIXYmBbtyWO3udA9NH7TESLqiiipd"
    "RUp5jD4mBWEtf/vupepOM6CRlDt0aHHP0P6dRKSIIUtLtIrXp7nItZvxFvj7ypo53BYDi2"
    "Tfbmb4PBaylhpVQWAlanE9g2GhR8kqMdI/JAzBmSL58U6qX3HlsNc6gvCCUgJpb1px6m+s"
    "5565f4gjg5636WFDMsPjJlL7KDz7HVQdgDNQ02IWL8AmsjDrcJK6MdmnOITBM8czllgkyh"
    "t0wuheW7WzPtpTZJNBXzJOVPoYbTCUmnfhQyTnsXdM/7UR/ZmZspzyFFv3Pevuq3zi8j9D"
    "ht9dui5kCWzmKlO3HJ6HeCfu70f0LiEf3WvWjHyea36/+miDlhmxsqMx5VrIVx4hV7RREy"
    "69jiqm0tROg4bAmkXs1mf5GUNskDsKBF6ByFbKhcZyqTpymF7hagchRyY6isfDGNCUhY0K"
    "cmhhCeIWkLmBpDCR3CJC3EDGjFRp7UpRwxIXmR++JJGV5qz1u25oT36O4+5MEQBbd4eP+I"
    "TU1N1BgHRlbbZNXkYBIvwQyP5JIRGBbz9ByBJqd3jlcv6ST06nbnOgnDrZ73ESKgIwfKvw"
    "H8AApB+KFb3bjdQ31YG7czsRp0+kAQZXK1eL07Djxkw9I3RQU1XVdfimewkiGW8Ac6vRSy"
    "w32IxgTPMMGzHYAW/S9RJZmLuWGjcM+7YzdA0V6lR7axfF6YpuQR63ZWhLVFoersCl6327"
    "2AhhAQBbQmC6afxvpcyC9fe0SX51wpBHAlv/TDXTtd1UZRLbrJglJ3it8rVaRsjfL2A2Hp"
    "qlRQO1+ZEu1U4jfMc+YKvRGmvTHEEahJhoapieNPgxFQaIBmaDjGbASg4gSDC8epo/Y4xa"
    "8sJI5AYRRmwUBZR61VjPG8RvWXEiDf9Zc7Z6XwVzQF80Dod3K9u9Au3t2F4S1rRTaGCcgH"
    "ycUSPXvngOX2De9rmJV0627Nkvvl5SPWIRksBcpUi/z5zAByWaihfaA6vUh4JffQiw9nkh"
    "GFtT8rOqL/ss8MSLWnyHg2swjWiZY5Evr5p3avjcShHPonevVK+d5EHtQy8iDYlIucjgfQ"
    "dVaKlPPuaftMPem1QQU9PUaRxxvmPH67PA3Xuo837Lrdu+p0L9Re+8fOVR8WNTRJlgXthE"
    "LUuQ638kpu2GWve96Vg3i/xNm8W+T+uGG97tlZ+1T93Dr5eoxCDzesfXHd6XUvztsXfRV6"
    "6LdPJGRqcbT1t4uM9qGKG9bvfm1fBHiKPHq1vfY1/Pdr3ce4/M2jdL47yKFzvjvIVDlFVd"
    "SI8wVXXsXeB6jz8l23Th/BcGHzuDGLN8AsjmqTeXdPFKrOW0j5SqYc3RKLakQq+XeGSeiI"
    "oXsyQ5Yhi8ZU+FJnMojKOb23REyHUHjQI4V3s52zgP8YNMXeqGKA1W/vUDhCkYUQA1toJd"
    "TMHq86BgsWgZWmd/VBhc46kPUgtgG/87hn+5d+hHEmIlt85nnWvfjRax4Pd4njG17b4mqa"
    "tZG9sKNQ24D3FTARjXBM9UKxYyGQpcLGFhInyj/ubCYNGXRrU51TZu2JYf+lrH7tVxPV5f"
    "sVEiSZZ2hHwFZ3tLRfULRfGhaVxAv8d5Ttojtxjv8W7ewj6QAEeYwwk8KW+x6/WyLEdACF"
    "yBOsM6LtIptxqiPHyfE6Ke1XNGYtTsamJnmghm0VDsxOAK5OQ1QKbl1lMBCTHAy8JByHZj"
    "6tqCX9xmFqf0JkMuUOkaXCR00rJSS0zI5XrKIUpfcGkNnNtNoZk6fXDkWAAJIkryw0xMxg"
    "dIh1LxZjF029fY6ZhgaDyIoeDJLUrqD/teQGFPXJhqEWkhR105LWy2ndA9HCZMjooKHIoh"
    "RZlBAN/hfHfyKEIMackpT44vhavpJZ4rQiPVSgJ4/LiEm0c6/HzaJGVrQAFJv40T9ki/Bl"
    "QAM8EC4R0Wtf9Xudk76SttxLwPB2BmPE0Rvd5jkQHGfQDaZzYjpDsmWgfD1hyacyxWuSEU"
    "0Tqt2dF02jRdvlCE52UYKmOh4SDWwJbkizM3DKfkLioPaBoMcx1Qkomibh1JQxi2CZgIoq"
    "3iQtKLnMrpcInQn7l/OERgQ4VJ3ZufEYMT918YCQWAduNrUX+1lFhI8zbqUDRbdUeKhlBm"
    "niPWoZ77HGE566HeBWbUrHNm2RQ/MYaHN6XuvTc59axaLKY2BbuKequc2lOTld8cmpp9AV"
    "5WJRyI1JLn2RPMyjVTEWFoXaht21EgbmIG0RRhaH3AaUr5qhremIo3ai+qV51F8uAWrpUq"
    "8bObbNp76p+K2xhzd0v9elaXAydHGQcPamN9yd5/cNeVjUaRTmWR+wuCPCtHViiZgDjFxw"
    "ooUdtWjHGfSH8D1tP0iovens9R76xrxh2Qg5OHeilE3jMekbXs2QzYW2NZYquxviZtzCi0"
    "Sicc2OTbDMJbfxTmpsVpR+2a0CPGgCXGgXuI6uC0Eho7E0IgoRcB2CGAHGhjnSwe7iTlCX"
    "wJRz9RO6J2TqsC3bsrHuD5sjh6P0O3Qlc00ug+zIax9gc+OulR68A3LoaaHbGbqHUXe9mE"
    "prxjh+kj9PzjqI43uQMc8IpsQSqWSENUeFN37U1bodmhuGFiLFpjlSmxuGVudJtafaglsq"
    "CtlsqVpvKY9YxbZUFKrZUqVc2lWld6UDKvcUdG42nPXkdU1Kimcl2Wh3nleFBs1VM2ify6"
    "MiE2/AzLCAho6XY2JzeQkZsmRGF+VjEQ0XGkOke+/CnymX6TsmWAJ4lnLJbPndp3hKfgfL"
    "hrIhnWLpjgVY5Y95EXchNaMJ/No6j0xkLeRP4QsBNSw0n1YiNloBHLvNG+zmw64xFQjJvL"
    "MqHccRoC3EdPlXKXk3HxRNAo3D1RnZSvTDe/4iQfJjPsIJSHk4bZOyqc2PQVA7ghfkNQjw"
    "CebDsbj9nTyBRqHPMpNCyx9l5a5moaoUci76EBvsXexolp+8zTjl1D2jcvQ3oJgOlOK2yU"
    "QOP2GGPRojbkCZGNYh7hTPdANryaVRct/rvmei8XBtqzleExPxnACah0qKXejWzDUGJ0Gb"
    "Zw3ALiPIae9dGuzGJUi3v9h44npg03gUt3uBWUkE+SU3vwNm4zzdzoRR53RiW0Qac2L5Jf"
    "lA5aOlmoeh0BSJzbnWYTjsxbvy7QHrsLkaY3HrjMX1fo+2Vqp1JUaMs3ESCP4Ckjwr/tGD"
    "iKH4ToBsIJLn4PS0++3zWRtd9tonHXGBblQCykpRBAXUCwtrnb2oGF/lFHRBc4JBfyaac+"
    "uU0Bq9bF2QETf+RxWEQJHvhc4dySG+LDTzBMUvNwry7yCCKSJTXH6fEFDr51VNBHFdI4ib"
    "ANfyAlxPWlcnrdO2kuRlJaC3tiHaK2dnKxmw7PByf22syfQS//p4pKQZX17dfPNLvhl3mz"
    "1ngWVvu1Rbxt8kzx5zuf72xnbZYHE0z3Zpjl/WYLlk4zfLcNkKDO8f5PGyi2bZOJaVL8l6"
    "qSE/aRLkVpEgVwcNxjMvsrSYkPmRrcmETJ58nmQ6EbE9AI1Mfxl46uYe6orLogcD8VU62x"
    "oMkPyMtPMZOgvtiHyHX8Wpj/cdoZT49IrGmK9pMXtyC4W5vcbRQ54KL8sCzcAi3L9jr9Hx"
    "NpInz9Px3KWXoEAm+gOAbZKMB2/ff3j/8d3Rex/5fsk8nCd9ag5bSFfrnk8fC6BXePW3ZF"
    "lKMfw6QMdI/rthwafavF85/Z4VJ3GFJ50gSXZ6TgysydEpnqMzhiHMKTbhEeRnoUS6FNDN"
    "DXopg0CVhJjcgQphm0R+dKwQeRKA9SCOGG9riOM6+ARGUyXJPLPVg9oGrhWVDweHeQQEtM"
    "qUELIutg8En3k0zPsimI4ANYjOhei4MVEA3SmgDdJzIV2OBnNQNduJlVUtArPQUjj+nJCJ"
    "ub0sGEZRM1pUHEWBTU7v8JCrd+K0rNBNHimg27f4yw+7b0JoF1nrGxFC2ySJr+fEyudExT"
    "79GQPbPua1Nd8Oq92abo6t6kSOpY+t0u919PhDCThuhbraLI6SF7cxZlr4UscQ2m2NclV+"
    "UtFSsaV6HwZK4TluT1++9oielfzpUUD02n4gm/hltiwaRFdrCG0NquaiKvh40JKYin7xaU"
    "u4ZlTgyyDIJdEUZG5tI4o4Hi2JHzciwQ2v3BYcVRnoEddZUmI9UtSaZwJXZZMcX2MTA2lO"
    "xPCxcykkoxz50cTYjMRn2EAW071v0vkajAxHTvsWW3kdF/wSW5VxG9F7uJbsuwnWqGewxl"
    "qTCWt0+28l7o0mWKC50LOuYr/x1Ta+2uZCz2ZLxbeUlwE5NOy07wM8m8Lrw63OX7xfjKzK"
    "taeXy0DrQDHfQy3dMqT+jnXdGGJumCLF0Ms9dAJVrWMfRFztQRmwE+mREFdASdU+YSBUPe"
    "ANE11I8+OVJa8igc7ud0WypNuFNEE0wgTmvExJYYAwd0a2RVKvKSojmLXA/TSNU6xxijVO"
    "sbqnaK/V5RbOZ64H/stdoh6lSsDS9l3XUKlrMuTMTfFKRl29z+afVZVLHwpYTMumb9xstX"
    "SzNXnvTd77hue9N1c71SuIqLnaqYKrndaT/N4Cw344TlM63Jq5CgcO2pSqayyjWbwUtWLJ"
    "JN9shWGBlJZlU1nqtq/juSyHuXJZDufkshwmwo9hUxXAsNt8C7H7dn8/l86wP0dl2E/kSx"
    "iMp35jNjsTNASy+hzQ9RwQlJbtWcDNWr4w+/5/FVOPXg=="
)
