-- jose: the JOSE library (src/jwk.c, src/jws.c, src/jose.c; sql/015_jose.sql).
-- Independent vectors (RFC 7515 A.1-A.3, RFC 8037 A.4, RFC 7638 3.1, and
-- tokens made with the openssl command line), every refusal with its exact
-- error, and sign -> verify round trips for every algorithm.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dcpf;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY default

---------------------------------------------------------------------------
-- helpers: base64url, a one-bit change in a decoded part, and an HMAC-SHA256
-- written from PostgreSQL's sha256() (independent of the C code under test)
---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.b64d(s text) RETURNS bytea LANGUAGE sql IMMUTABLE
    AS $$ SELECT decode(translate(s, '-_', '+/') || repeat('=', (4 - length(s) % 4) % 4), 'base64') $$;
CREATE FUNCTION pg_temp.b64e(b bytea) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT translate(rtrim(translate(encode(b, 'base64'), E'\n', ''), '='), '+/', '-_') $$;
CREATE FUNCTION pg_temp.b64t(s text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT pg_temp.b64e(convert_to(s, 'UTF8')) $$;
-- XOR byte pos (0-based) of part (1 header, 2 payload, 3 signature) with mask
CREATE FUNCTION pg_temp.flip(token text, part int, pos int, mask int DEFAULT 1) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(CASE WHEN i = part
                           THEN pg_temp.b64e(set_byte(pg_temp.b64d(p), pos, get_byte(pg_temp.b64d(p), pos) # mask))
                           ELSE p END, '.' ORDER BY i)
      FROM unnest(string_to_array(token, '.')) WITH ORDINALITY AS t(p, i) $$;
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
-- an HS256 token over any header and payload text
CREATE FUNCTION pg_temp.hs256(header text, payload text, k bytea) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT pg_temp.b64t(header) || '.' || pg_temp.b64t(payload) || '.' ||
                 pg_temp.b64e(pg_temp.hmac256(k, convert_to(pg_temp.b64t(header) || '.' || pg_temp.b64t(payload), 'UTF8'))) $$;
-- the public part of a JWK
CREATE FUNCTION pg_temp.pub(k jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE
    AS $$ SELECT k - '{d,p,q,dp,dq,qi}'::text[] $$;
CREATE FUNCTION pg_temp.set(VARIADIC k jsonb[]) RETURNS jsonb LANGUAGE sql IMMUTABLE
    AS $$ SELECT jsonb_build_object('keys', to_jsonb(k)) $$;

---------------------------------------------------------------------------
-- RFC 7515 Appendix A.1 (HS256), A.2 (RS256), A.3 (ES256): tokens and keys
-- exactly as published
---------------------------------------------------------------------------
\set a1_token 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
\set a1_jwk '{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}'
\set a2_token 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw'
\set a2_jwk '{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}'
\set a3_token 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q'
\set a3_jwk '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}'
-- RFC 8037 Appendix A.4 (Ed25519, key of A.2); its payload is the text
-- "Example of Ed25519 signing", not a JSON object
\set a4_token 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg'
\set a4_jwk '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}'

SELECT dcpf.jws_verify(:'a1_token', :'a1_jwk') AS rfc7515_a1;
SELECT dcpf.jws_verify(:'a2_token', :'a2_jwk') AS rfc7515_a2;
SELECT dcpf.jws_verify(:'a3_token', :'a3_jwk') AS rfc7515_a3;
-- the helper HMAC reproduces the A.1 signature, so tokens made with it below are honest
SELECT pg_temp.hs256(E'{"typ":"JWT",\r\n "alg":"HS256"}',
                     E'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}',
                     pg_temp.b64d(:'a1_jwk'::jsonb ->> 'k')) = :'a1_token' AS helper_hmac_matches_rfc;

-- one changed byte in the header: "JWT" -> "JWU" (A.1), "RS256" -> "PS256"
-- (A.2: same key type, other padding), "ES256" -> "DS256" (A.3)
SELECT dcpf.jws_verify(pg_temp.flip(:'a1_token', 1, 10), :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.flip(:'a2_token', 1, 8, 2), :'a2_jwk');
SELECT dcpf.jws_verify(pg_temp.flip(:'a3_token', 1, 8), :'a3_jwk');
-- one changed byte in the payload: "joe" -> "koe"
SELECT dcpf.jws_verify(pg_temp.flip(:'a1_token', 2, 8), :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.flip(:'a2_token', 2, 8), :'a2_jwk');
SELECT dcpf.jws_verify(pg_temp.flip(:'a3_token', 2, 8), :'a3_jwk');
-- one changed byte in the signature (first and last byte)
SELECT dcpf.jws_verify(pg_temp.flip(:'a1_token', 3, 0), :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.flip(:'a2_token', 3, 255), :'a2_jwk');
SELECT dcpf.jws_verify(pg_temp.flip(:'a3_token', 3, 0), :'a3_jwk');
SELECT dcpf.jws_verify(pg_temp.flip(:'a3_token', 3, 63), :'a3_jwk');

-- RFC 8037 A.4: the signature verifies (the refusal comes from the payload,
-- which is checked only after the signature) ...
SELECT dcpf.jws_verify(:'a4_token', :'a4_jwk');
-- ... and one changed byte anywhere makes the signature fail first
SELECT dcpf.jws_verify(pg_temp.flip(:'a4_token', 2, 0), :'a4_jwk');
SELECT dcpf.jws_verify(pg_temp.flip(:'a4_token', 3, 0), :'a4_jwk');
-- "EdDSA" -> "EDDSA": algorithm names are case-sensitive
SELECT dcpf.jws_verify(pg_temp.flip(:'a4_token', 1, 9, 32), :'a4_jwk');

---------------------------------------------------------------------------
-- tokens made with the openssl command line (OpenSSL 3.0), payload
-- {"iss":"openssl-cli","sub":"vector"}:
--   EdDSA: RFC 8037 A.1 private key d as PKCS#8, openssl pkeyutl -sign -rawin
--   PS256: test key rsa-1 below, openssl dgst -sha256 -sign -sigopt
--          rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:sha256
--   ES384: test key p384-1 below, openssl dgst -sha384 -sign, DER -> r||s
---------------------------------------------------------------------------
\set cli_ed 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJvcGVuc3NsLWNsaSIsInN1YiI6InZlY3RvciJ9.NB2WPM1dunp9pX4sSlLIRrcP4es2uutZ3BESQCoY25lXIbCtnudU_4B_JCuSV6wQ-kHIuyChHOkEJvn7DnyUBQ'
\set cli_ps 'eyJhbGciOiJQUzI1NiIsImtpZCI6InJzYS0xIn0.eyJpc3MiOiJvcGVuc3NsLWNsaSIsInN1YiI6InZlY3RvciJ9.R5O9AsSuc1ECppJzIz65b5ydLEYXuOXnlU1zuHtWvllZGSJuxkMa6pfePtRdwH1hz0h4J4KlCx3FC1ZanYv8E11tityd-wqEbTObmK2Xe3MCL1FigtbAfkLHz09P1UEI6yNNBzHHlUPnOjlSxx0IQvcgoGJzmeMgjC-ktYSMkwZyKNH3dHdS8fL2-lesvdN5bJ8WYWgD8m503uvlJD1FUzQpQqbBhHZrWCcteIlOsfxhdMkCh2Yc38-9Egy2QiGPYbafJBc0EDl89mJUdy4pB5foG8mlK_gNUzmY9RvPxbhZlmMuild0NH7MfCF1OHavAkW-8Bjw4qDWdmTLAywWcQ'
\set cli_es 'eyJhbGciOiJFUzM4NCIsImtpZCI6InAzODQtMSJ9.eyJpc3MiOiJvcGVuc3NsLWNsaSIsInN1YiI6InZlY3RvciJ9.pCPSKgf11L_9Znld4XCQ29uT8beCBbNrgNmpOxwrZ6iFXHJ2fJDfqjcl-P2p88kO7U3wHxBnrDKtbbNdHCw_G0usUDzaLJf9Mvps0fPFOKdh8BYPCNSOidbGrGpqXsd3'

---------------------------------------------------------------------------
-- test-only keys, generated once with openssl genpkey (RSA 2048, P-256,
-- P-384, Ed25519) and openssl rand (oct); never use them for anything else
---------------------------------------------------------------------------
\set rsa1 '{"kty":"RSA","kid":"rsa-1","n":"obdgLZjse5MnfgNHahzY1lOG7PsR8-7SJApgQhKsoop94gzas5rDx8wVM39XYuDixuQDbwmLXWqlQshCBQ4DD4jRz4YQ7swQ3f17bqDTBNoMAnnBnbq_FNj5pHxtj_31Jd2xc8i0UgBWDUaR6ZjyHSwn1eH9dIM773O-k2xH647KYWNsMnXF8ZxnTenCxAftlFXVKKpGC7liULFfEyvvb2soPgv4v7wreG4FKyuNqZtk0haZH1uDrTfjGJKO-pjHqqn-6il1dXpCxRD3_KedK1wh0P4HpDlHszH8G222gWXbfQiqIsxLtSDhpCkV6ddko7szWrtgrh1Gj_sJhgNFvQ","e":"AQAB","d":"RfGzwhT913buolSVu0IN0SlgVrhC7A_zyM3KE1nTXBvtVWt83ijGm_BbjSH7MFOXEjIFgC2PHxDkuI037MrCLSJeqNTSFw6hDvq3O8KIcnVCs4Fo6ikew0wTMX71vk03jjCkMzFwOHVXwrcunevecBqsghgUESQ_tJIJr-ap9qnkJKzKh9u_RepZ3SeRF5uH66bDh5uBZqOs9ozw97l4e5Qn5sePR5k105cEmY2CZ59R5oe2tdfbmKPOwDYcdB-ls4ANwpqkbpWLqYR6wj5-ZmZbhWQEJwt2dRnXk8Dot0jjjh40xSC84Wn_mF4LzwWNPqHzNCDGoxtaSg_7OCE8Sw","p":"0ucXsmGtKfLfli52_n9NMhyGnhHpW0JOvOU1yTTIdnDJ-liqMN-A4mgnTbiXWlfDPq3S3vu7XgMKpfZPg2ZOwakA0RRcXQnVp172uMifAAfDsn61x5V865rVBa78iAd3-tY9EFCMhxXbG5ZZogL3TXQ7Ao41v4MvxCQRf3_JzCc","q":"xEvMU6s8zm32fS4oFpMgIdwrXHCAwgSFoZDfqZG517vXTgMnhMDEJxWtrXL7_Wj1TVyn2zK5uYJRQvfMJACqTMjL-GB08_VnZh4P6ZaCiokIs1krGK8-3kKHMkdIUI35NqKUbdAMxH-1dw_XVehs7bdU2_9rMTTO6E5Cel4KuXs","dp":"y2UbMWmJ-v7EKq49DEvxQvbHzQIxL1XPYdUb_iPtgGxeHhYMbH3ganlQDmCLdxFUtsokp-_WT2BXkJ7vKCYupg47P2iHeyLU7kljX-n7jafvT-FrpkPA6ee0sXqFCRtK1ppu4aENJeoqGXzyjJCXuBb0Ig7MPxphoqO2TGQNVdk","dq":"wW3_1qLytGhfcFM_ZZ9tFnCiueCSwJ08IU1lWO8ktpV_QHyTQJnDsNAH6NdZwQjgUG9xaOq_YTItaVRNcVzGdAuaExLZrFyym0ocXA3YbTNDw5emhBiMVvAv0Te05sxAO7pRkTRmoGtIIh8WDq2OSWFS2ccDleV3zirwDy0EXGk","qi":"KYpeMdwvqCKkBjuyOvfZAy3SG6QXoBF5hu_c7vYiGQUFCRe4zo6JK4YetNqWRHilWlYNmmnp2qaFdBWT1PVXT3xkUOt6py_xN7J1XMmkRXnJLM83g_Q55jEdp6P988kILyiS73JCgN53aCl600nNvKrijfMfBJWgSESEjsaR-wo"}'
\set rsa2 '{"kty":"RSA","kid":"rsa-2","n":"r4vihATjmYxPYiqtTD0c0HcQ9M-dLTZQ1uC-fZs2XUC1GXYQoViy4LN_s_T1Y_g4oQ2t-itAd-GUHT6jXrv9lpG0a6ga_0gUC2KhSXKzMsT7qJr8RVGhom-7sAXw_jT-Ml5gxBVyNJnvD-6qu1zc5ZPT_IbMODL_JgToPf93UAPJM9ztuOTOl9a7oNRCFIzU0Yg6T8JHCxmf7QnPJWJeJYgWfOKXdBg-RwUUqOBvuu8oRSx4fQUzr7FdO4nwOObFZbYH2sxpNsloDJBNCxHkfioUyP3-O3TQmhZmcAGGToWofHoB1WnvxyYvBL968lWnR_Wb9zu_UR89nckKRz7YBw","e":"AQAB","d":"DkbgK0CCijBhHGjAI10tBL9KP77K16x9MpygoXKIH1lt4R47CARAuAmhLy-S7Yh4gpCsP5ZY7ecItsArZT8Axsge1kqbt3tTNgHVgDW14UEn_nRsY-7ZqG5R42T4TpRcwBfw4sGjwidqy-7rL8XDqWA2c2k7Hq73FU583N30BCvIFdPfVv8ujYJpr_Gje16rIYWZjSIgYb5K0dIY6LGBg4-6lW32xNakwnlQvRxjw9Yx_3monB5_46SZyrJAPLZPDleFj6-njWZ763qsz00EsAGCNADlcohak8hGY-jLrwF0iWjUrP-gPOulPb6TWfIxktDXGZ7jdWYrWaUhBkeYIQ","p":"44ZkyJLTMwInZC04Zj1LZrKoKrd0ICvVBTYOAOTtjMrt4utgD1L3efg_JsTBLXVVJWlIUaj8HGBE4m17aVXtcwK7VzWdQYcs39G9KFuptA7xgC1XwNMVk1ACWHUYjVmaKOo1Prs1_-d44ZarPviOpibluZngB0ACndZSsIpD8jk","q":"xYQqYGBBkDdnVc0rTdDP9Y5dp-k0C_tI_v78Dw3op_8wh0bw5SxMlunoEYJHXrHc-ROfXlyUYLF6PlIjIo2-EFy1Ja82TM-Aa1FGNZfI037F-IisONMCGprrgkzK1EV1p5Y8yPhgELM07nS3SqXXve9Id7dFYZlXwtmYOkJIHD8","dp":"IbFgMVeU0QPro2kS5gkDpnSkdJbwKmdzRy9HCZjdGLFgYu8qLXrCzRwW9f3DAaFTd5PMstMMaoNTEBjYYrPn0tU_ut1kqTSET6y2j0hrrA9ecfXE_fgEROlfP4wvk5cGPjLYqa59g6TagMWYHF4gebhe4opH46r1-DupyRzgjPk","dq":"aTfe2zhrtMfO5IZHa0yxe747Zhd1Amz6ldx_qgVeyx_GWkoQSgUvR7WTSsB8BJX7gTRS0ZG_-UKSPGDFFsMrXMwGM-0CoChp4MGLBUG2WfROwfcMx7ighkvA6ci-xBW8d2oxN14Yzsyohd7nRXzTUPsHP78B1tw5RDNmRKLKh0E","qi":"dnOTN6C3xYf7fFPPZxOclvenaDD05dSgymo7LijDLNHS95yxUJH1C0LHTJ7T_wls0gpdshnETRvwWlf4dSt2bq3YiM-9DGKwTi-SbREjlq6aMsi8rDh-LK3-0itez1yWFDg3RkJH8NIX2M1ebBn0pKKSuPwrFNIMvUtZiYL8KVs"}'
\set rsa_small '{"kty":"RSA","kid":"rsa-small","n":"zwkg5enzuD0JiiM3GUxXGizKwe5RU65osRYJB63K1z8m3kPHCXidt_VgyBjv2AxH_BeiMpLtEO3KxMVEtdckSJL2yHqpimp2RjK1325ahJ_4TZI3152RQE4gm_UQ4tMGwJLO526kMvr4L4ZhVGML-8-OExKYSykKxzX4G5mweAc","e":"AQAB","d":"ofpYXMjfP4OxlPvcPdS2SOpGb9fOlRPdIL9GrVVRX3ovJLIOZOCTNLurzqGD9JoXL6ol4j-Fbjs86xoTmdkKrruAQkAKtfJUzfwQLiphhXNSgBzPAc7H21N_v-w1qK4djAlk-TaFRI5SLRjGNrda6-VH0Fox5w5OJGZy-_hWg1E","p":"-zXjpayR19uY9C6PHlfDMdpAv3Jd8mY162s16T0Uk9In_F-47Bsza4JooDM5kIkZRFyRLGkfD3gHalYR77BddQ","q":"0vuhVok_kJp0mg4yl7qKcgWg0qfsxfiXy183UF7R_hvATjawttjeEiM1jfDqbzTkM0gqoBB4ayY7hg59KRgkCw","dp":"DQB9B9YmtkVnZTwDrE5ei_X_4-jHdARWRhkGcUv4BK6b4zQRHidKQgY95AzCrfhqll80JFhMg0BzIc3Sn9VBAQ","dq":"y5g65pDnIBmMb6VHuRcvxjwcJ2wYlioAASbO7-WwarBI8LDh8nBwS7xiT6it8cZud_Yp-_Ao4-0u_3w311IOZQ","qi":"Gv5I2DR0FCuXWTC51HJilkNe-3_lAC_y4Jhrb_r5EeYczThRJqDhbzYLJnNbYg_opY0S4T9B0bryoYf9JmU4RQ"}'
\set p256_1 '{"kty":"EC","kid":"p256-1","crv":"P-256","x":"pD1ZIRsBmrjym9WsM601kFW0zg_5b4g98anDoDOAH_U","y":"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ","d":"6yYXJot7D7OnCViKBUiB9duFvI188Mp_EQUTE99q-SQ"}'
\set p256_2 '{"kty":"EC","kid":"p256-2","crv":"P-256","x":"vaU6FH0IPaydExTspBVKXw0M-oqv_3GXx4LbHeHOAuk","y":"mwOBNzX4H92BE-2AInfQQVBJowOZ3I4cnfOKaMTQUrg","d":"c2CfpjpQtVEOaOPD2vbnzWD9Go3hiZK5yaWHhsLnhEk"}'
\set p384_1 '{"kty":"EC","kid":"p384-1","crv":"P-384","x":"AFUVp64NM2B38CUKH3IY5D7NAE8v_5qSIa80YZrFXyWQFFYrQJC6d9pRbeR2hsZC","y":"qZN-aovLuCxFD-O20Fvlv1FSws0lLZbEcPyYN8ngG3Bqqpwf2_NL8d0qvcPpFrCP","d":"-CHq4UvaK4ZWvKIa8FafZYIEjVIhfp56krhtm1U5qULxPr4KRy8srJ0VGwE8Onbq"}'
\set ed1 '{"kty":"OKP","kid":"ed-1","crv":"Ed25519","x":"7UUKCw1-cSsUJTUwq93ntIZKXD6IhfrG8eLxLfADWfs","d":"BG7Z5dFxeuU-50Uj_WrFEzyU4b6BweNU1Lzuz_bEAnc"}'
\set ed2 '{"kty":"OKP","kid":"ed-2","crv":"Ed25519","x":"irgqDFhXiGZ0B6I19dlUdBGDU-JBBA5U4NTmMe9x-u8","d":"Zl-XMFlz-3g4pCgthS74YajVSrWBl_aOAtT9s0zQOJo"}'
\set hs32 '{"kty":"oct","kid":"hs-32","k":"r1bZweJqwkB7IrJbj5YfY8YMCOx5PrUKsUrjVIvpoto"}'
\set hs32b '{"kty":"oct","kid":"hs-32b","k":"x8fm_SKJXVBDocc-5iSl7kaLDLepmJDDIPGMq67s9RQ"}'
\set hs48 '{"kty":"oct","kid":"hs-48","k":"X0qMB7M_5WRwovaQD3qHWBbaxxVN1zeMtSwh0CXgsxo08nxDK5No4DU9IdmtqyxG"}'
\set hs64 '{"kty":"oct","kid":"hs-64","k":"k6evHgjie5SAxnDaK1-MaREmquFHCou31fs9WDqWh3upRcegf3qCCQTwr__y0nMRi-JflE5bIAPub786WcgMFQ"}'
-- the public key set an issuer would register (oct secrets are shared by nature)
SELECT pg_temp.set(pg_temp.pub(:'rsa1'), pg_temp.pub(:'p256_1'), pg_temp.pub(:'p384_1'),
                   pg_temp.pub(:'ed1'), :'hs32', :'hs48', :'hs64') AS jwks \gset

SELECT dcpf.jws_verify(:'cli_ed', :'a4_jwk') AS openssl_eddsa_rfc8037_key;
SELECT dcpf.jws_verify(:'cli_ps', :'jwks') AS openssl_ps256;
SELECT dcpf.jws_verify(:'cli_es', :'jwks') AS openssl_es384;
SELECT dcpf.jws_verify(pg_temp.flip(:'cli_ed', 2, 8), :'a4_jwk');
-- "PS256" -> "RS256": the same RSA key, the other padding
SELECT dcpf.jws_verify(pg_temp.flip(:'cli_ps', 1, 8, 2), :'jwks');
SELECT dcpf.jws_verify(pg_temp.flip(:'cli_es', 3, 95), :'jwks');

---------------------------------------------------------------------------
-- round trips: jws_sign -> jws_verify for every algorithm (ECDSA and PSS
-- signatures are randomized, so the result is shown, not the token)
---------------------------------------------------------------------------
SELECT alg, key ->> 'kid' AS kid,
       dcpf.jws_verify(dcpf.jws_sign('{"sub":"alice","n":1}', key, alg), :'jwks')
           = jsonb_build_object('header', jsonb_build_object('alg', alg, 'kid', key ->> 'kid', 'typ', 'JWT'),
                                'claims', '{"sub":"alice","n":1}'::jsonb) AS verifies
  FROM (VALUES ('HS256', :'hs32'::jsonb), ('HS384', :'hs48'), ('HS512', :'hs64'),
               ('RS256', :'rsa1'), ('RS384', :'rsa1'), ('RS512', :'rsa1'),
               ('PS256', :'rsa1'), ('PS384', :'rsa1'), ('PS512', :'rsa1'),
               ('ES256', :'p256_1'), ('ES384', :'p384_1'), ('EdDSA', :'ed1')) AS v(alg, key);
-- signatures have the JOSE sizes (ES: r||s, not DER)
SELECT alg, length(pg_temp.b64d(split_part(dcpf.jws_sign('{}', key, alg), '.', 3))) AS signature_bytes
  FROM (VALUES ('HS256', :'hs32'::jsonb), ('HS512', :'hs64'), ('RS256', :'rsa1'), ('PS256', :'rsa1'),
               ('ES256', :'p256_1'), ('ES384', :'p384_1'), ('EdDSA', :'ed1')) AS v(alg, key);
-- Ed25519 and HMAC are deterministic: the same token twice
SELECT dcpf.jws_sign('{"a":1}', :'ed1', 'EdDSA') = dcpf.jws_sign('{"a":1}', :'ed1', 'EdDSA') AS eddsa_deterministic,
       dcpf.jws_sign('{"a":1}', :'hs32', 'HS256') = dcpf.jws_sign('{"a":1}', :'hs32', 'HS256') AS hmac_deterministic;
-- jws_sign with the RFC 8037 A.1 private key gives, byte for byte, the token
-- made with openssl pkeyutl -sign -rawin over the same signing input
-- (header {"alg":"EdDSA","typ":"JWT"}, payload as jsonb prints it)
SELECT dcpf.jws_sign('{"iss":"openssl-cli","sub":"vector"}',
                     :'a4_jwk'::jsonb || '{"d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}', 'EdDSA')
       = 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiAib3BlbnNzbC1jbGkiLCAic3ViIjogInZlY3RvciJ9.J8nZ9_SWlnS7n0J84PeTo4CKcaXqNdxZbt2RSmkZfjrdUBwL9VHEu4NXri2ezLLAaL1U4K6scxMoWVFqZ0hgDQ'
       AS same_as_openssl;

---------------------------------------------------------------------------
-- malformed tokens: 22P02
---------------------------------------------------------------------------
SELECT split_part(:'a1_token', '.', 1) || '.' || split_part(:'a1_token', '.', 2) AS two_parts \gset
SELECT dcpf.jws_verify(:'two_parts', :'a1_jwk');
SELECT dcpf.jws_verify(:'a1_token' || '.e30', :'a1_jwk');
SELECT dcpf.jws_verify('', :'a1_jwk');
SELECT dcpf.jws_verify('..', :'a1_jwk');
-- base64url: padding, the base64 characters '+' and '/', whitespace, a stray bit
SELECT dcpf.jws_verify(:'a1_token' || '=', :'a1_jwk');
SELECT dcpf.jws_verify(replace(:'a1_token', '-', '+'), :'a1_jwk');
SELECT dcpf.jws_verify(replace(:'a1_token', '_', '/'), :'a1_jwk');
SELECT dcpf.jws_verify(replace(:'a1_token', '.eyJpc3', '.eyJ pc3'), :'a1_jwk');
SELECT dcpf.jws_verify(:'a1_token' || E'\n', :'a1_jwk');
SELECT dcpf.jws_verify(' ' || :'a1_token', :'a1_jwk');
SELECT dcpf.jws_verify(regexp_replace(:'a1_token', 'Xk$', 'Xl'), :'a1_jwk');
SELECT dcpf.jws_verify(:'a1_token' || 'A', :'a1_jwk');
-- the header: not JSON, not an object, not UTF-8, no alg, alg not a string, kid not a string
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"HS256"') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.b64t('["HS256"]') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.b64t('"HS256"') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.b64e('\x7b22616c67223a22ff227d') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.b64t('{"typ":"JWT"}') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":["HS256"]}') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"HS256","kid":7}') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.b64t(repeat('[', 65) || repeat(']', 65)) || '.e30.AAAA', :'a1_jwk');
-- duplicate member names (RFC 7515 section 4): also when spelled with escapes,
-- also in nested objects, also in the payload of a correctly signed token
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"HS256","alg":"none"}') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"HS256","a\u006cg":"HS512"}') || '.e30.AAAA', :'a1_jwk');
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"hs-32"}', '{"sub":"alice","sub":"mallory"}',
                                     pg_temp.b64d(:'hs32'::jsonb ->> 'k')), :'jwks');
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"hs-32"}', '{"sub":"alice","x":{"a":1,"a":2}}',
                                     pg_temp.b64d(:'hs32'::jsonb ->> 'k')), :'jwks');
-- a correctly signed payload that is not an object
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"hs-32"}', '["alice"]',
                                     pg_temp.b64d(:'hs32'::jsonb ->> 'k')), :'jwks');
-- the same member name in different objects is fine
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"hs-32"}', '{"sub":"alice","x":{"sub":1}}',
                                     pg_temp.b64d(:'hs32'::jsonb ->> 'k')), :'jwks') -> 'claims' AS claims;

---------------------------------------------------------------------------
-- size limit: 54000
---------------------------------------------------------------------------
SELECT dcpf.jws_verify(:'a1_token', :'a1_jwk', 100);
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"hs-32"}', '{"pad":"' || repeat('x', 6200) || '"}',
                                     pg_temp.b64d(:'hs32'::jsonb ->> 'k')), :'jwks');
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"hs-32"}', '{"pad":"' || repeat('x', 6200) || '"}',
                                     pg_temp.b64d(:'hs32'::jsonb ->> 'k')), :'jwks', 9000) -> 'header' AS with_larger_limit;
SELECT dcpf.jws_verify(:'a1_token', :'a1_jwk', 0);

---------------------------------------------------------------------------
-- tokens that do not authenticate: 28000
---------------------------------------------------------------------------
-- alg none, in any case, with or without a signature
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"none"}') || '.' || pg_temp.b64t('{"sub":"admin"}') || '.', :'jwks');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"None"}') || '.' || pg_temp.b64t('{"sub":"admin"}') || '.', :'jwks');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"NONE","kid":"hs-32"}') || '.' || pg_temp.b64t('{"sub":"admin"}') || '.AAAA', :'jwks');
-- unknown algorithms, and an empty signature for a real one
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"HS1"}') || '.e30.AAAA', :'jwks');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"ES512"}') || '.e30.AAAA', :'jwks');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"hs256"}') || '.e30.AAAA', :'jwks');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"HS256","kid":"hs-32"}') || '.e30.', :'jwks');
-- crit: refused even when the signature is right
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"hs-32","crit":["exp"],"exp":1}', '{"sub":"alice"}',
                                     pg_temp.b64d(:'hs32'::jsonb ->> 'k')), :'jwks');
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"hs-32","crit":[]}', '{"sub":"alice"}',
                                     pg_temp.b64d(:'hs32'::jsonb ->> 'k')), :'jwks');
-- unknown kid
SELECT dcpf.jws_verify(dcpf.jws_sign('{"sub":"alice"}', :'p256_2', 'ES256'), :'jwks');
-- no kid: fine with exactly one fitting key, refused with two
SELECT dcpf.jws_verify(dcpf.jws_sign('{"sub":"alice"}', :'p256_1'::jsonb - 'kid', 'ES256'), :'jwks') -> 'claims' AS one_fitting_key;
SELECT dcpf.jws_verify(dcpf.jws_sign('{"sub":"alice"}', :'p256_1'::jsonb - 'kid', 'ES256'),
                       pg_temp.set(pg_temp.pub(:'p256_1'), pg_temp.pub(:'p256_2')));
-- wrong key of the right type under the expected kid
SELECT dcpf.jws_verify(dcpf.jws_sign('{"sub":"alice"}', :'rsa2'::jsonb || '{"kid":"rsa-1"}', 'RS256'), :'jwks');
SELECT dcpf.jws_verify(dcpf.jws_sign('{"sub":"alice"}', :'ed2'::jsonb || '{"kid":"ed-1"}', 'EdDSA'), :'jwks');
SELECT dcpf.jws_verify(dcpf.jws_sign('{"sub":"alice"}', :'hs32b'::jsonb || '{"kid":"hs-32"}', 'HS256'), :'jwks');

-- algorithm confusion: HS256 forged with the RSA public key as the HMAC
-- secret (its modulus bytes, its PEM), with the RSA key's kid and without
SELECT '-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAobdgLZjse5MnfgNHahzY
1lOG7PsR8+7SJApgQhKsoop94gzas5rDx8wVM39XYuDixuQDbwmLXWqlQshCBQ4D
D4jRz4YQ7swQ3f17bqDTBNoMAnnBnbq/FNj5pHxtj/31Jd2xc8i0UgBWDUaR6Zjy
HSwn1eH9dIM773O+k2xH647KYWNsMnXF8ZxnTenCxAftlFXVKKpGC7liULFfEyvv
b2soPgv4v7wreG4FKyuNqZtk0haZH1uDrTfjGJKO+pjHqqn+6il1dXpCxRD3/Ked
K1wh0P4HpDlHszH8G222gWXbfQiqIsxLtSDhpCkV6ddko7szWrtgrh1Gj/sJhgNF
vQIDAQAB
-----END PUBLIC KEY-----
' AS rsa1_pem \gset
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"rsa-1"}', '{"sub":"admin"}',
                                     pg_temp.b64d(:'rsa1'::jsonb ->> 'n')), :'jwks');
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"rsa-1"}', '{"sub":"admin"}',
                                     convert_to(:'rsa1_pem', 'UTF8')), :'jwks');
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256"}', '{"sub":"admin"}',
                                     convert_to(:'rsa1_pem', 'UTF8')), pg_temp.pub(:'rsa1'));
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256"}', '{"sub":"admin"}',
                                     pg_temp.b64d(:'a2_jwk'::jsonb ->> 'n')), :'a2_jwk');
-- the same with the EC and Ed25519 public keys' x coordinates
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"p256-1"}', '{"sub":"admin"}',
                                     pg_temp.b64d(:'p256_1'::jsonb ->> 'x')), :'jwks');
SELECT dcpf.jws_verify(pg_temp.hs256('{"alg":"HS256","kid":"ed-1"}', '{"sub":"admin"}',
                                     pg_temp.b64d(:'ed1'::jsonb ->> 'x')), :'jwks');
-- other family mismatches: RS with an EC key, ES256 with a P-384 key, EdDSA with RSA, ES with oct
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"RS256","kid":"p256-1"}') || '.e30.AAAA', :'jwks');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"ES256","kid":"p384-1"}') || '.e30.AAAA', :'jwks');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"EdDSA","kid":"rsa-1"}') || '.e30.AAAA', :'jwks');
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"ES256","kid":"hs-32"}') || '.e30.AAAA', :'jwks');
-- HS384 needs a 48-byte secret; a JWK's own alg restricts it
SELECT dcpf.jws_verify(pg_temp.b64t('{"alg":"HS384","kid":"hs-32"}') || '.e30.AAAA', :'jwks');
SELECT dcpf.jws_verify(:'cli_ps', pg_temp.pub(:'rsa1'::jsonb || '{"alg":"RS256"}'));
SELECT dcpf.jws_verify(:'cli_ps', pg_temp.pub(:'rsa1'::jsonb || '{"alg":"PS256","use":"sig"}')) -> 'header' AS with_alg_and_use;

-- ECDSA signatures must be exactly r||s: 63, 65 and DER-sized signatures
SELECT split_part(:'a3_token', '.', 1) || '.' || split_part(:'a3_token', '.', 2) || '.' AS a3_input \gset
SELECT dcpf.jws_verify(:'a3_input' || pg_temp.b64e(substr(pg_temp.b64d(split_part(:'a3_token', '.', 3)), 1, 63)), :'a3_jwk');
SELECT dcpf.jws_verify(:'a3_input' || pg_temp.b64e(pg_temp.b64d(split_part(:'a3_token', '.', 3)) || '\x00'::bytea), :'a3_jwk');
SELECT dcpf.jws_verify(:'a3_input' || pg_temp.b64e('\x3044022000'::bytea || decode(repeat('11', 66), 'hex')), :'a3_jwk');
SELECT dcpf.jws_verify(:'a3_input' || pg_temp.b64e(decode(repeat('00', 64), 'hex')), :'a3_jwk');

---------------------------------------------------------------------------
-- key sets: 22023
---------------------------------------------------------------------------
-- private members are refused in a key set for verification
SELECT dcpf.jws_verify(:'a3_token', :'p256_1');
SELECT dcpf.jws_verify(:'a3_token', pg_temp.set(pg_temp.pub(:'rsa1'), :'rsa2'));
SELECT dcpf.jws_verify(:'a3_token', :'a3_jwk'::jsonb || '{"d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}');
-- EC point not on the curve (y + 1), coordinates of the wrong length
SELECT dcpf.jws_verify(:'a3_token', jsonb_set(:'a3_jwk', '{y}',
       to_jsonb(pg_temp.b64e(set_byte(pg_temp.b64d(:'a3_jwk'::jsonb ->> 'y'), 31,
                                      get_byte(pg_temp.b64d(:'a3_jwk'::jsonb ->> 'y'), 31) # 1)))));
SELECT dcpf.jws_verify(:'a3_token', jsonb_set(:'a3_jwk', '{x}', '"AAAA"'));
SELECT dcpf.jws_verify(:'a3_token', jsonb_set(:'a3_jwk', '{crv}', '"P-521"'));
-- RSA below 2048 bits, oct below 32 bytes
SELECT dcpf.jws_verify(:'a2_token', pg_temp.pub(:'rsa_small'));
SELECT dcpf.jws_verify(:'a1_token', jsonb_build_object('kty', 'oct', 'kid', 'short', 'k', pg_temp.b64t(repeat('s', 31))));
-- other problems
SELECT dcpf.jws_verify(:'a1_token', '{"keys":[]}');
SELECT dcpf.jws_verify(:'a1_token', '{"keys":{}}');
SELECT dcpf.jws_verify(:'a1_token', '[]');
SELECT dcpf.jws_verify(:'a1_token', '{"keys":["x"]}');
SELECT dcpf.jws_verify(:'a1_token', '{"k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}');
SELECT dcpf.jws_verify(:'a1_token', '{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}');
SELECT dcpf.jws_verify(:'a1_token', '{"kty":"DSA","kid":"old"}');
SELECT dcpf.jws_verify(:'a1_token', :'a1_jwk'::jsonb || '{"use":"enc"}');
SELECT dcpf.jws_verify(:'a1_token', :'a1_jwk'::jsonb || '{"alg":"RS256"}');
SELECT dcpf.jws_verify(:'a1_token', :'a1_jwk'::jsonb || '{"kid":42}');
SELECT dcpf.jws_verify(:'a1_token', jsonb_set(:'a1_jwk', '{k}', '"AyM1+ysP"'));
SELECT dcpf.jws_verify(:'a1_token', pg_temp.set(:'hs32', :'hs32b'::jsonb || '{"kid":"hs-32"}'));
SELECT dcpf.jws_verify(:'a2_token', :'a2_jwk'::jsonb - 'e');
-- an even public exponent
SELECT dcpf.jws_verify(:'a2_token', jsonb_set(:'a2_jwk', '{e}', '"AQAA"'));
SELECT dcpf.jws_verify(:'a2_token', jsonb_set(:'a2_jwk', '{e}', '"AQ"'));

---------------------------------------------------------------------------
-- jws_sign refusals: 22023
---------------------------------------------------------------------------
SELECT dcpf.jws_sign('{"sub":"alice"}', pg_temp.pub(:'rsa1'), 'RS256');
SELECT dcpf.jws_sign('{"sub":"alice"}', :'rsa1', 'HS256');
SELECT dcpf.jws_sign('{"sub":"alice"}', :'p256_1', 'ES384');
SELECT dcpf.jws_sign('{"sub":"alice"}', :'hs32', 'none');
SELECT dcpf.jws_sign('{"sub":"alice"}', :'hs32', 'HS512');
SELECT dcpf.jws_sign('["alice"]', :'hs32', 'HS256');
SELECT dcpf.jws_sign('{"sub":"alice"}', pg_temp.set(:'hs32'), 'HS256');
SELECT dcpf.jws_sign('{"sub":"alice"}', jsonb_set(:'ed1', '{x}', to_jsonb(:'ed2'::jsonb ->> 'x')), 'EdDSA');
SELECT dcpf.jws_sign('{"sub":"alice"}', jsonb_set(:'p256_1', '{d}', to_jsonb(:'p256_2'::jsonb ->> 'd')), 'ES256');

---------------------------------------------------------------------------
-- RFC 7638 thumbprints
---------------------------------------------------------------------------
-- section 3.1 example
SELECT dcpf.jwk_thumbprint('{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}')
       = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' AS rfc7638_example;
-- RFC 8037 A.3: the Ed25519 key's thumbprint
SELECT dcpf.jwk_thumbprint(:'a4_jwk') = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' AS rfc8037_a3;
-- private members do not change it; kid, alg and use are not part of it
SELECT dcpf.jwk_thumbprint(:'p256_1') = dcpf.jwk_thumbprint(pg_temp.pub(:'p256_1') - 'kid') AS private_same_as_public,
       dcpf.jwk_thumbprint(:'a3_jwk') = dcpf.jwk_thumbprint(:'a3_jwk'::jsonb || '{"kid":"x","use":"sig","alg":"ES256"}') AS ignores_kid_alg_use,
       dcpf.jwk_thumbprint(:'a3_jwk') <> dcpf.jwk_thumbprint(:'p256_1') AS differs_between_keys;
SELECT length(dcpf.jwk_thumbprint(:'hs32')) AS oct_thumbprint_length;
SELECT dcpf.jwk_thumbprint(pg_temp.pub(:'rsa_small'));

-- a signed payload with a number PostgreSQL cannot store: refused as malformed,
-- not raised as 22003 "value overflows numeric format" (found by the jws fuzz harness)
SELECT dcpf.jws_verify('eyJhbGciOiJIUzI1NiIsImtpZCI6ImhzLTMyIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLm5sIiwic3ViIjoidS0xIiwiZXhwIjoxZTcwMDAwMDAwMH0.NNqzpTtYg9YYm78WgO6xlUaEgo_P3fMpZEPftMwMl3k', :'hs32');
-- the same number where numeric can hold it verifies
SELECT dcpf.jws_verify(dcpf.jws_sign('{"iss":"https://idp.example.nl","n":1e300}', :'hs32', 'HS256'), :'hs32') -> 'claims' -> 'n' = '1e300'::jsonb AS wide_but_storable;

---------------------------------------------------------------------------
-- the functions' declarations: volatility, privileges, never leakproof
---------------------------------------------------------------------------
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel, p.proleakproof,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'dcpf'::regnamespace AND p.proname IN ('jws_verify', 'jws_sign', 'jwk_thumbprint')
 ORDER BY 1::text;
