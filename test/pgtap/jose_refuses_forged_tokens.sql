-- jws_verify refuses forged tokens: for every algorithm, a matrix of
-- tampering (one bit in each decoded part), wrong keys, keys of another
-- type, alg none and algorithm confusion. A token that does not
-- authenticate raises 28000 (invalid_authorization_specification).
BEGIN;
SELECT plan(114);

-- test-only keys, generated once with openssl genpkey / openssl rand (the
-- same as test/sql/jose.sql); never use them for anything else
\set rsa1 '{"kty":"RSA","kid":"rsa-1","n":"obdgLZjse5MnfgNHahzY1lOG7PsR8-7SJApgQhKsoop94gzas5rDx8wVM39XYuDixuQDbwmLXWqlQshCBQ4DD4jRz4YQ7swQ3f17bqDTBNoMAnnBnbq_FNj5pHxtj_31Jd2xc8i0UgBWDUaR6ZjyHSwn1eH9dIM773O-k2xH647KYWNsMnXF8ZxnTenCxAftlFXVKKpGC7liULFfEyvvb2soPgv4v7wreG4FKyuNqZtk0haZH1uDrTfjGJKO-pjHqqn-6il1dXpCxRD3_KedK1wh0P4HpDlHszH8G222gWXbfQiqIsxLtSDhpCkV6ddko7szWrtgrh1Gj_sJhgNFvQ","e":"AQAB","d":"RfGzwhT913buolSVu0IN0SlgVrhC7A_zyM3KE1nTXBvtVWt83ijGm_BbjSH7MFOXEjIFgC2PHxDkuI037MrCLSJeqNTSFw6hDvq3O8KIcnVCs4Fo6ikew0wTMX71vk03jjCkMzFwOHVXwrcunevecBqsghgUESQ_tJIJr-ap9qnkJKzKh9u_RepZ3SeRF5uH66bDh5uBZqOs9ozw97l4e5Qn5sePR5k105cEmY2CZ59R5oe2tdfbmKPOwDYcdB-ls4ANwpqkbpWLqYR6wj5-ZmZbhWQEJwt2dRnXk8Dot0jjjh40xSC84Wn_mF4LzwWNPqHzNCDGoxtaSg_7OCE8Sw","p":"0ucXsmGtKfLfli52_n9NMhyGnhHpW0JOvOU1yTTIdnDJ-liqMN-A4mgnTbiXWlfDPq3S3vu7XgMKpfZPg2ZOwakA0RRcXQnVp172uMifAAfDsn61x5V865rVBa78iAd3-tY9EFCMhxXbG5ZZogL3TXQ7Ao41v4MvxCQRf3_JzCc","q":"xEvMU6s8zm32fS4oFpMgIdwrXHCAwgSFoZDfqZG517vXTgMnhMDEJxWtrXL7_Wj1TVyn2zK5uYJRQvfMJACqTMjL-GB08_VnZh4P6ZaCiokIs1krGK8-3kKHMkdIUI35NqKUbdAMxH-1dw_XVehs7bdU2_9rMTTO6E5Cel4KuXs","dp":"y2UbMWmJ-v7EKq49DEvxQvbHzQIxL1XPYdUb_iPtgGxeHhYMbH3ganlQDmCLdxFUtsokp-_WT2BXkJ7vKCYupg47P2iHeyLU7kljX-n7jafvT-FrpkPA6ee0sXqFCRtK1ppu4aENJeoqGXzyjJCXuBb0Ig7MPxphoqO2TGQNVdk","dq":"wW3_1qLytGhfcFM_ZZ9tFnCiueCSwJ08IU1lWO8ktpV_QHyTQJnDsNAH6NdZwQjgUG9xaOq_YTItaVRNcVzGdAuaExLZrFyym0ocXA3YbTNDw5emhBiMVvAv0Te05sxAO7pRkTRmoGtIIh8WDq2OSWFS2ccDleV3zirwDy0EXGk","qi":"KYpeMdwvqCKkBjuyOvfZAy3SG6QXoBF5hu_c7vYiGQUFCRe4zo6JK4YetNqWRHilWlYNmmnp2qaFdBWT1PVXT3xkUOt6py_xN7J1XMmkRXnJLM83g_Q55jEdp6P988kILyiS73JCgN53aCl600nNvKrijfMfBJWgSESEjsaR-wo"}'
\set rsa2 '{"kty":"RSA","kid":"rsa-2","n":"r4vihATjmYxPYiqtTD0c0HcQ9M-dLTZQ1uC-fZs2XUC1GXYQoViy4LN_s_T1Y_g4oQ2t-itAd-GUHT6jXrv9lpG0a6ga_0gUC2KhSXKzMsT7qJr8RVGhom-7sAXw_jT-Ml5gxBVyNJnvD-6qu1zc5ZPT_IbMODL_JgToPf93UAPJM9ztuOTOl9a7oNRCFIzU0Yg6T8JHCxmf7QnPJWJeJYgWfOKXdBg-RwUUqOBvuu8oRSx4fQUzr7FdO4nwOObFZbYH2sxpNsloDJBNCxHkfioUyP3-O3TQmhZmcAGGToWofHoB1WnvxyYvBL968lWnR_Wb9zu_UR89nckKRz7YBw","e":"AQAB","d":"DkbgK0CCijBhHGjAI10tBL9KP77K16x9MpygoXKIH1lt4R47CARAuAmhLy-S7Yh4gpCsP5ZY7ecItsArZT8Axsge1kqbt3tTNgHVgDW14UEn_nRsY-7ZqG5R42T4TpRcwBfw4sGjwidqy-7rL8XDqWA2c2k7Hq73FU583N30BCvIFdPfVv8ujYJpr_Gje16rIYWZjSIgYb5K0dIY6LGBg4-6lW32xNakwnlQvRxjw9Yx_3monB5_46SZyrJAPLZPDleFj6-njWZ763qsz00EsAGCNADlcohak8hGY-jLrwF0iWjUrP-gPOulPb6TWfIxktDXGZ7jdWYrWaUhBkeYIQ","p":"44ZkyJLTMwInZC04Zj1LZrKoKrd0ICvVBTYOAOTtjMrt4utgD1L3efg_JsTBLXVVJWlIUaj8HGBE4m17aVXtcwK7VzWdQYcs39G9KFuptA7xgC1XwNMVk1ACWHUYjVmaKOo1Prs1_-d44ZarPviOpibluZngB0ACndZSsIpD8jk","q":"xYQqYGBBkDdnVc0rTdDP9Y5dp-k0C_tI_v78Dw3op_8wh0bw5SxMlunoEYJHXrHc-ROfXlyUYLF6PlIjIo2-EFy1Ja82TM-Aa1FGNZfI037F-IisONMCGprrgkzK1EV1p5Y8yPhgELM07nS3SqXXve9Id7dFYZlXwtmYOkJIHD8","dp":"IbFgMVeU0QPro2kS5gkDpnSkdJbwKmdzRy9HCZjdGLFgYu8qLXrCzRwW9f3DAaFTd5PMstMMaoNTEBjYYrPn0tU_ut1kqTSET6y2j0hrrA9ecfXE_fgEROlfP4wvk5cGPjLYqa59g6TagMWYHF4gebhe4opH46r1-DupyRzgjPk","dq":"aTfe2zhrtMfO5IZHa0yxe747Zhd1Amz6ldx_qgVeyx_GWkoQSgUvR7WTSsB8BJX7gTRS0ZG_-UKSPGDFFsMrXMwGM-0CoChp4MGLBUG2WfROwfcMx7ighkvA6ci-xBW8d2oxN14Yzsyohd7nRXzTUPsHP78B1tw5RDNmRKLKh0E","qi":"dnOTN6C3xYf7fFPPZxOclvenaDD05dSgymo7LijDLNHS95yxUJH1C0LHTJ7T_wls0gpdshnETRvwWlf4dSt2bq3YiM-9DGKwTi-SbREjlq6aMsi8rDh-LK3-0itez1yWFDg3RkJH8NIX2M1ebBn0pKKSuPwrFNIMvUtZiYL8KVs"}'
\set p256_1 '{"kty":"EC","kid":"p256-1","crv":"P-256","x":"pD1ZIRsBmrjym9WsM601kFW0zg_5b4g98anDoDOAH_U","y":"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ","d":"6yYXJot7D7OnCViKBUiB9duFvI188Mp_EQUTE99q-SQ"}'
\set p256_2 '{"kty":"EC","kid":"p256-2","crv":"P-256","x":"vaU6FH0IPaydExTspBVKXw0M-oqv_3GXx4LbHeHOAuk","y":"mwOBNzX4H92BE-2AInfQQVBJowOZ3I4cnfOKaMTQUrg","d":"c2CfpjpQtVEOaOPD2vbnzWD9Go3hiZK5yaWHhsLnhEk"}'
\set p384_1 '{"kty":"EC","kid":"p384-1","crv":"P-384","x":"AFUVp64NM2B38CUKH3IY5D7NAE8v_5qSIa80YZrFXyWQFFYrQJC6d9pRbeR2hsZC","y":"qZN-aovLuCxFD-O20Fvlv1FSws0lLZbEcPyYN8ngG3Bqqpwf2_NL8d0qvcPpFrCP","d":"-CHq4UvaK4ZWvKIa8FafZYIEjVIhfp56krhtm1U5qULxPr4KRy8srJ0VGwE8Onbq"}'
\set p384_2 '{"kty":"EC","kid":"p384-2","crv":"P-384","x":"6HFNIrciT-JdvRLtyLR0sFIYwILzHrp5cGo9npyr9dtZIXUzsWgZr_ZW4nAcxvLx","y":"afVP1elEp4t54lSBWE434aLG9GcKNrq2ojdBeu29-z9jXhlf0cyiDa5Tt0ODPsmR","d":"9ONtSxcRUBxnsdIuie4QkYfHj3npSIsyhsXn4e-r5aTuPjjIAjdunuA23RS_dOFZ"}'
\set ed1 '{"kty":"OKP","kid":"ed-1","crv":"Ed25519","x":"7UUKCw1-cSsUJTUwq93ntIZKXD6IhfrG8eLxLfADWfs","d":"BG7Z5dFxeuU-50Uj_WrFEzyU4b6BweNU1Lzuz_bEAnc"}'
\set ed2 '{"kty":"OKP","kid":"ed-2","crv":"Ed25519","x":"irgqDFhXiGZ0B6I19dlUdBGDU-JBBA5U4NTmMe9x-u8","d":"Zl-XMFlz-3g4pCgthS74YajVSrWBl_aOAtT9s0zQOJo"}'
\set hs32 '{"kty":"oct","kid":"hs-32","k":"r1bZweJqwkB7IrJbj5YfY8YMCOx5PrUKsUrjVIvpoto"}'
\set hs48 '{"kty":"oct","kid":"hs-48","k":"X0qMB7M_5WRwovaQD3qHWBbaxxVN1zeMtSwh0CXgsxo08nxDK5No4DU9IdmtqyxG"}'
\set hs64 '{"kty":"oct","kid":"hs-64","k":"k6evHgjie5SAxnDaK1-MaREmquFHCou31fs9WDqWh3upRcegf3qCCQTwr__y0nMRi-JflE5bIAPub786WcgMFQ"}'

CREATE FUNCTION pg_temp.b64d(s text) RETURNS bytea LANGUAGE sql IMMUTABLE
    AS $$ SELECT decode(translate(s, '-_', '+/') || repeat('=', (4 - length(s) % 4) % 4), 'base64') $$;
CREATE FUNCTION pg_temp.b64e(b bytea) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT translate(rtrim(translate(encode(b, 'base64'), E'\n', ''), '='), '+/', '-_') $$;
CREATE FUNCTION pg_temp.b64t(s text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT pg_temp.b64e(convert_to(s, 'UTF8')) $$;
-- XOR one byte (0-based pos) of a decoded part (1 header, 2 payload, 3 signature)
CREATE FUNCTION pg_temp.flip(token text, part int, pos int, mask int DEFAULT 1) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(CASE WHEN i = part
                           THEN pg_temp.b64e(set_byte(pg_temp.b64d(p), pos, get_byte(pg_temp.b64d(p), pos) # mask))
                           ELSE p END, '.' ORDER BY i)
      FROM unnest(string_to_array(token, '.')) WITH ORDINALITY AS t(p, i) $$;
-- HMAC-SHA256 from sha256(), independent of the C code under test
CREATE FUNCTION pg_temp.hmac256(k bytea, m bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    ipad bytea := '';
    opad bytea := '';
BEGIN
    IF length(k) > 64 THEN k := sha256(k); END IF;
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    FOR i IN 0..63 LOOP
        ipad := ipad || set_byte('\x00'::bytea, 0, get_byte(k, i) # 54);
        opad := opad || set_byte('\x00'::bytea, 0, get_byte(k, i) # 92);
    END LOOP;
    RETURN sha256(opad || sha256(ipad || m));
END $$;
CREATE FUNCTION pg_temp.hs256(header text, payload text, k bytea) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT pg_temp.b64t(header) || '.' || pg_temp.b64t(payload) || '.' ||
                 pg_temp.b64e(pg_temp.hmac256(k, convert_to(pg_temp.b64t(header) || '.' || pg_temp.b64t(payload), 'UTF8'))) $$;
CREATE FUNCTION pg_temp.pub(k jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE
    AS $$ SELECT k - '{d,p,q,dp,dq,qi}'::text[] $$;

-- the registered key set: public keys and the shared oct secrets
CREATE TEMP TABLE jwks AS
SELECT jsonb_build_object('keys', jsonb_build_array(
           pg_temp.pub(:'rsa1'), pg_temp.pub(:'p256_1'), pg_temp.pub(:'p384_1'), pg_temp.pub(:'ed1'),
           :'hs32'::jsonb, :'hs48'::jsonb, :'hs64'::jsonb)) AS set;

-- one row per algorithm: the signing key, a wrong key of the same type
-- under the same kid, and a key of another type (with its alg) under that kid
CREATE TEMP TABLE matrix AS
SELECT alg, key, key ->> 'kid' AS kid,
       wrong || jsonb_build_object('kid', key ->> 'kid') AS wrong_key,
       other || jsonb_build_object('kid', key ->> 'kid') AS other_key, other_alg,
       dcpf.jws_sign('{"sub":"alice","typ_check":"JWT"}', key, alg) AS token
  FROM (VALUES
        ('HS256', :'hs32'::jsonb, jsonb_build_object('kty', 'oct', 'k', pg_temp.b64t(repeat('w', 64))), :'rsa1'::jsonb, 'RS256'),
        ('HS384', :'hs48', jsonb_build_object('kty', 'oct', 'k', pg_temp.b64t(repeat('w', 64))), :'p256_1', 'ES256'),
        ('HS512', :'hs64', jsonb_build_object('kty', 'oct', 'k', pg_temp.b64t(repeat('w', 64))), :'ed1', 'EdDSA'),
        ('RS256', :'rsa1', :'rsa2', :'hs32', 'HS256'),
        ('RS384', :'rsa1', :'rsa2', :'p384_1', 'ES384'),
        ('RS512', :'rsa1', :'rsa2', :'ed1', 'EdDSA'),
        ('PS256', :'rsa1', :'rsa2', :'hs32', 'HS256'),
        ('PS384', :'rsa1', :'rsa2', :'p256_1', 'ES256'),
        ('PS512', :'rsa1', :'rsa2', :'ed1', 'EdDSA'),
        ('ES256', :'p256_1', :'p256_2', :'p384_1', 'ES384'),
        ('ES384', :'p384_1', :'p384_2', :'p256_1', 'ES256'),
        ('EdDSA', :'ed1', :'ed2', :'hs32', 'HS256')) AS v(alg, key, wrong, other, other_alg);

-- 1. every algorithm verifies its own token (12)
SELECT is(dcpf.jws_verify(token, (SELECT set FROM jwks)) -> 'claims',
          '{"sub":"alice","typ_check":"JWT"}'::jsonb, alg || ': a correctly signed token verifies')
  FROM matrix ORDER BY alg;

-- 2. one bit flipped in the decoded header: "JWT" -> "JWU" in typ (12)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)',
                        pg_temp.flip(token, 1, position('"JWT"' IN convert_from(pg_temp.b64d(split_part(token, '.', 1)), 'UTF8')) + 2),
                        (SELECT set FROM jwks)),
                 '28000', NULL, alg || ': one bit changed in the header is refused')
  FROM matrix ORDER BY alg;

-- 3. one bit flipped in the decoded payload: "alice" -> "alicd" (12)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)',
                        pg_temp.flip(token, 2, position('alice' IN convert_from(pg_temp.b64d(split_part(token, '.', 2)), 'UTF8')) + 3),
                        (SELECT set FROM jwks)),
                 '28000', NULL, alg || ': one bit changed in the payload is refused')
  FROM matrix ORDER BY alg;

-- 4. one bit flipped in the decoded signature, first and last byte (24)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)', pg_temp.flip(token, 3, 0), (SELECT set FROM jwks)),
                 '28000', NULL, alg || ': one bit changed in the first signature byte is refused')
  FROM matrix ORDER BY alg;
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)',
                        pg_temp.flip(token, 3, length(pg_temp.b64d(split_part(token, '.', 3))) - 1, 128),
                        (SELECT set FROM jwks)),
                 '28000', NULL, alg || ': one bit changed in the last signature byte is refused')
  FROM matrix ORDER BY alg;

-- 5. signed by a wrong key of the same type under the registered kid (12)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)', dcpf.jws_sign('{"sub":"alice"}', wrong_key, alg), (SELECT set FROM jwks)),
                 '28000', NULL, alg || ': a token signed by another key of the same type is refused')
  FROM matrix ORDER BY alg;

-- 6. signed by a key of another type under the registered kid (12)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)', dcpf.jws_sign('{"sub":"alice"}', other_key, other_alg), (SELECT set FROM jwks)),
                 '28000', NULL, alg || ': a token of ' || other_alg || ' under the kid of the ' || alg || ' key is refused')
  FROM matrix ORDER BY alg;

-- 7. alg none under the registered kid, without and with a signature (12)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)',
                        pg_temp.b64t(format('{"alg":"%s","kid":"%s"}', none, kid)) || '.' || split_part(token, '.', 2) || '.' || sig,
                        (SELECT set FROM jwks)),
                 '28000', NULL, alg || ': the same claims with alg ' || none || ' are refused')
  FROM matrix, LATERAL (VALUES ('none', ''), ('None', split_part(token, '.', 3)), ('NONE', 'AAAA')) AS n(none, sig)
 WHERE alg IN ('HS256', 'RS256', 'ES256', 'EdDSA') ORDER BY alg, none;

-- 8. algorithm confusion: an asymmetric key's public bytes (n or x) used as
-- an HS256 secret under its kid; an oct key named by an RS256 token (12)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)',
                        CASE WHEN key ->> 'kty' = 'oct'
                             THEN pg_temp.b64t(format('{"alg":"RS256","kid":"%s"}', kid)) || '.' || split_part(token, '.', 2) || '.' || split_part(token, '.', 3)
                             ELSE pg_temp.hs256(format('{"alg":"HS256","kid":"%s"}', kid), '{"sub":"admin"}',
                                                pg_temp.b64d(coalesce(key ->> 'n', key ->> 'x')))
                        END,
                        (SELECT set FROM jwks)),
                 '28000', NULL, alg || ': the key of ' || alg || ' cannot be confused with another algorithm family')
  FROM matrix ORDER BY alg;

-- the same, without a kid: no key fits HS256 in an asymmetric-only set (1)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)',
                        pg_temp.hs256('{"alg":"HS256"}', '{"sub":"admin"}', pg_temp.b64d(:'rsa1'::jsonb ->> 'n')),
                        jsonb_build_object('keys', jsonb_build_array(pg_temp.pub(:'rsa1'), pg_temp.pub(:'ed1')))),
                 '28000', 'key cannot verify this JWS algorithm', 'HS256 forged with an RSA modulus and no kid is refused');
-- and the confusion error says why (1)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)',
                        pg_temp.hs256('{"alg":"HS256","kid":"rsa-1"}', '{"sub":"admin"}', pg_temp.b64d(:'rsa1'::jsonb ->> 'n')),
                        (SELECT set FROM jwks)),
                 '28000', 'key cannot verify this JWS algorithm', 'HS256 forged with the RSA modulus under the RSA kid: key mismatch');

-- malformed input is 22P02, oversized 54000, a bad key set 22023 (4)
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)', token || '.', (SELECT set FROM jwks)),
                 '22P02', 'malformed JWS token', 'a fourth part makes the token malformed')
  FROM matrix WHERE alg = 'ES256';
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)', token || '=', (SELECT set FROM jwks)),
                 '22P02', 'malformed JWS token', 'base64 padding makes the token malformed')
  FROM matrix WHERE alg = 'ES256';
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L, 64)', token, (SELECT set FROM jwks)),
                 '54000', 'oversized JWS token', 'a token over max_bytes is refused before anything else')
  FROM matrix WHERE alg = 'ES256';
SELECT throws_ok(format('SELECT dcpf.jws_verify(%L, %L)', token, :'rsa1'),
                 '22023', 'invalid JSON Web Key', 'a key set with a private key is refused')
  FROM matrix WHERE alg = 'RS256';

SELECT * FROM finish();
ROLLBACK;
