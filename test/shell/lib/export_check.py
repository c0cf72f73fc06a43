#!/usr/bin/env python3
"""test/shell/lib/export_check.py: the checks of test/shell/export_matches_schema.sh
(not run by itself). Usage:

    export_check.py SCHEMA WORKDIR NAME...

For each NAME, WORKDIR holds what the shell test wrote for one person:
  NAME.json    the document of dcpf.export_person, exported by the person
  NAME.stream  the rows of dcpf.export_person_rows, one JSON array
               [section, table, key, data] a line, fetched through a cursor in
               the same (repeatable read) transaction, before the document
  NAME.counts  "table subject_column rows" per exported table of the registry,
               counted by the table owner after that transaction
  NAME.person  the person's id
  NAME.expect  optional: lines "has TEXT" / "lacks TEXT" / "table NAME" /
               "no-table NAME" / "reference TABLE.COLUMN" / "attachment BASE64"
Then mutations of the first document, each of which the schema must reject
(and two it must accept). Prints one "ok - ..." or "not ok - ..." line per
check; exits 1 when any failed.
"""
import base64
import copy
import datetime
import json
import re
import sys
import uuid

try:
    import jsonschema
except ImportError:
    print("not ok - python3 cannot import jsonschema (Debian: python3-jsonschema; tools/install-deps installs it)")
    sys.exit(1)

checks = 0
failures = 0


def report(good, what, why=None):
    global checks, failures
    checks += 1
    if good:
        print(f"ok - {what}")
    else:
        failures += 1
        print(f"not ok - {what}")
        for line in (why or "").splitlines()[:12]:
            print(f"#   {line}")


# Strict format checkers of our own: the validator's defaults depend on
# optional packages (rfc3339-validator), without which date-time passes anything.
formats = jsonschema.FormatChecker()


@formats.checks("uuid", raises=ValueError)
def is_uuid(value):
    if not isinstance(value, str):
        return True
    return re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value) is not None and bool(uuid.UUID(value))


@formats.checks("date-time", raises=ValueError)
def is_date_time(value):
    if not isinstance(value, str):
        return True
    # RFC 3339: a date, T, a time, and an offset (PostgreSQL's JSON form of timestamptz)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)", value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@formats.checks("date", raises=ValueError)
def is_date(value):
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    datetime.date.fromisoformat(value)
    return True


def errors_of(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))


def describe(errors):
    return "\n".join(f"{e.json_path}: {e.message[:160]}" for e in errors)


def key(value):
    return json.dumps(value, sort_keys=True)


def main():
    schema_file, work, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    schema = json.load(open(schema_file))
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        report(True, f"{schema_file} is a valid JSON Schema (draft 2020-12)")
    except jsonschema.SchemaError as e:
        report(False, f"{schema_file} is a valid JSON Schema (draft 2020-12)", str(e))
        return
    validator = jsonschema.Draft202012Validator(schema, format_checker=formats)
    first = None

    for name in names:
        doc = json.load(open(f"{work}/{name}.json"))
        person = open(f"{work}/{name}.person").read().strip()
        first = first or doc
        errs = errors_of(validator, doc)
        report(not errs, f"{name}: the document matches the schema", describe(errs))
        report(doc.get("person") == person and doc["tables"]["person"][0]["id"] == person,
               f"{name}: the document is about {person}")

        # the rows are the person's own, and all of them: the registry's counts, by the table owner
        counts = {}
        subject = {}
        for line in open(f"{work}/{name}.counts"):
            table, column, n = line.split()
            subject[table] = column
            if int(n) > 0:
                counts[table] = int(n)
        shown = {t: len(rows) for t, rows in doc["tables"].items() if rows}
        missing_tables = sorted(set(subject) - set(doc["tables"]))
        report(not missing_tables, f"{name}: every exported table is in the document, empty or not", repr(missing_tables))
        report(shown == counts, f"{name}: every row of the person in every exported table, and no other ({len(counts)} tables, {sum(counts.values())} rows)",
               f"registry: {counts}\ndocument: {shown}")
        strangers = [(t, r.get(subject.get(t, "?"))) for t, rows in doc["tables"].items() for r in rows
                     if r.get(subject.get(t, "?")) != person]
        report(not strangers, f"{name}: no row of anyone else", repr(strangers[:5]))

        # the streaming form: the same rows, in the same transaction, save the document's own disclosure
        stream = [json.loads(line) for line in open(f"{work}/{name}.stream") if line.strip()]
        rows, refs, facts = {}, [], {}
        for section, table, row_key, data in stream:
            if section == "rows":
                rows.setdefault(table, []).append((row_key, data))
            elif section == "references":
                refs.append(data)
            elif section == "facts":
                facts.setdefault(table, []).append(data)
        unordered = [t for t, rs in rows.items() if [k for k, _ in rs] != sorted(k for k, _ in rs)]
        report(not unordered, f"{name}: the stream gives each table's rows in key order", repr(unordered))
        mine = {r["id"] for _, r in rows.get("disclosure", [])}
        extra = [r for r in doc["tables"].get("disclosure", []) if r["id"] not in mine]
        report(len(extra) == 1 and extra[0]["kind"] == "export" and extra[0]["recipient_description"] == "the person themself",
               f"{name}: the document adds one disclosure, its own export, to the stream's", repr(extra))
        expected = copy.deepcopy(doc)
        if extra:
            expected["tables"]["disclosure"] = [r for r in doc["tables"]["disclosure"] if r["id"] != extra[0]["id"]]
            if not expected["tables"]["disclosure"]:
                del expected["tables"]["disclosure"]
            gone = {"recipient": "the person themself", "kind": "export", "what": extra[0]["what"],
                    "legal_basis": extra[0]["legal_basis"], "from": extra[0]["disclosed_at"],
                    "until": extra[0]["until"], "ended_at": extra[0]["ended_at"]}
            # (the stream's own export has the same time and words: take one of the two away)
            recipients = list(doc["facts"]["recipients"])
            if gone in recipients:
                recipients.remove(gone)
            expected["facts"]["recipients"] = recipients
            # its recipient is the person: a reference too
            expected["references"] = [r for r in doc["references"]
                                      if not (r["table"] == "disclosure" and r["row"] == extra[0]["id"])]
        streamed_tables = {t: [d for _, d in rs] for t, rs in rows.items()}
        # (the document lists every exported table, the empty ones too; the stream only rows)
        expected["tables"] = {t: v for t, v in expected["tables"].items() if v}
        report(streamed_tables == expected["tables"], f"{name}: the stream's rows are the document's tables, row for row",
               "\n".join(f"{t}: stream {len(streamed_tables.get(t, []))} rows, document {len(expected['tables'].get(t, []))}"
                         for t in sorted(set(streamed_tables) | set(expected["tables"]))
                         if streamed_tables.get(t) != expected["tables"].get(t)))
        report(sorted(map(key, refs)) == sorted(map(key, expected["references"])),
               f"{name}: the stream's references are the document's ({len(refs)})")
        same = True
        for fact in ("purposes", "recipients", "retention", "access_log"):
            if sorted(map(key, facts.get(fact, []))) != sorted(map(key, expected["facts"][fact])):
                same = False
                report(False, f"{name}: the stream's {fact} are the document's",
                       f"stream {len(facts.get(fact, []))}, document {len(expected['facts'][fact])}")
        if facts.get("source") != [expected["facts"]["source"]]:
            same = False
            report(False, f"{name}: the stream's source is the document's")
        if same:
            report(True, f"{name}: the stream's facts are the document's (purposes, recipients, source, retention, access log)")
        report(len(stream) == sum(len(v) for v in streamed_tables.values()) + len(refs) + sum(len(v) for v in facts.values())
               and set(facts) <= {"purposes", "recipients", "source", "retention", "access_log"},
               f"{name}: the stream holds nothing else ({len(stream)} rows)")

        # what this person's document must and must not show
        try:
            expectations = open(f"{work}/{name}.expect").read().splitlines()
        except FileNotFoundError:
            expectations = []
        text = json.dumps(doc, ensure_ascii=False)
        for line in expectations:
            what, _, arg = line.partition(" ")
            if what == "has":
                report(arg in text, f"{name}: shows {arg!r}")
            elif what == "lacks":
                report(arg not in text, f"{name}: does not show {arg!r}")
            elif what == "table":
                report(bool(doc["tables"].get(arg)), f"{name}: has rows of {arg}")
            elif what == "no-table":
                report(not doc["tables"].get(arg), f"{name}: has no rows of {arg}")
            elif what == "reference":
                table, column = arg.split(".")
                report(any(r["table"] == table and r["as"] == column for r in doc["references"]),
                       f"{name}: refers to a row of {table} naming them as {column}")
            elif what == "attachment":
                contents = [a["content"] for a in doc["tables"].get("portfolio_attachment", [])]
                report(any(c is not None and base64.b64decode(c) == base64.b64decode(arg) for c in contents)
                       and all(c is None or re.fullmatch(r"[A-Za-z0-9+/\n]*={0,2}", c) for c in contents),
                       f"{name}: an attachment's content, decrypted, in base64")

    if first is None:
        return
    # The schema must be able to say no: each broken copy of the first document is rejected.
    def broken(what, change, accept=False):
        doc = copy.deepcopy(first)
        change(doc)
        errs = errors_of(validator, doc)
        if accept:
            report(not errs, f"the schema accepts {what}", describe(errs))
        else:
            report(bool(errs), f"the schema rejects {what}" + (f" ({errs[0].json_path}: {errs[0].message[:80]})" if errs else ""))

    def delete(path):
        def change(doc):
            *parents, last = path
            node = doc
            for p in parents:
                node = node[p]
            del node[last]
        return change

    def setting(path, value):
        def change(doc):
            *parents, last = path
            node = doc
            for p in parents:
                node = node[p]
            node[last] = value
        return change

    broken("a document without its format", delete(["format"]))
    broken("another format", setting(["format"], "dcpf-export/2"))
    broken("a document without its facts", delete(["facts"]))
    broken("a source without account_created_at", delete(["facts", "source", "account_created_at"]))
    broken("a key the format does not have", setting(["comments"], "x"))
    broken("a person id that is not a uuid", setting(["person"], "cca723cf-1e37-4127-971b"))
    broken("a time that is not RFC 3339", setting(["exported_at"], "2027-01-31 09:15:00"))
    broken("a date that is not a date", setting(["tables", "portfolio_item", 0, "occurred_on"], "2027-02-30"))
    broken("no person row", setting(["tables", "person"], []))
    broken("two person rows", setting(["tables", "person"], first["tables"]["person"] * 2))
    broken("a person row without its surname", delete(["tables", "person", 0, "surname"]))
    broken("a hidden column (the BIG number's blind index)", setting(["tables", "person", 0, "big_number_hmac"], "AAAA"))
    broken("a ciphertext left in place of its plain text", setting(["tables", "portfolio_item", 0, "body_encrypted"], "AQE="))
    broken("a ciphertext in a table registered later", setting(["tables", "later_table"], [{"id": 1, "note_encrypted": "AQE="}]))
    broken("rows of the audit trail as a table", setting(["tables", "audit_event"], [{"id": 1}]))
    broken("rows of data keys as a table", setting(["tables", "data_key"], [{"id": 1}]))
    broken("a table named like no table", setting(["tables", "Person Data"], []))
    def with_reference(change):
        # the first document may have no reference of its own: lend it one
        def apply(doc):
            if not doc["references"]:
                doc["references"] = [{"table": "assessment", "row": doc["person"], "as": "assessor_id"}]
            change(doc)
        return apply

    broken("a reference without the column", with_reference(delete(["references", 0, "as"])))
    broken("a recipient of an unknown kind", setting(["facts", "recipients", 0, "kind"], "sold"))
    broken("an access-log entry without its time", delete(["facts", "access_log", 0, "at"]))
    broken("a purpose with an unknown legal basis", setting(["facts", "purposes", 0, "legal_basis"], "because"))
    broken("a retention policy with an unknown action", setting(["facts", "retention", 0, "action"], "forget"))
    broken("a retention policy without its term", delete(["facts", "retention", 0, "term"]))
    broken("an attachment that is not base64", setting(["tables", "portfolio_attachment", 0, "content"], "%PDF-1.4 plain"))
    broken("rows of a table registered later", setting(["tables", "later_table"], [{"id": 1, "note": "x"}]), accept=True)
    broken("a new column in a table described column by column", setting(["tables", "person", 0, "pronouns"], "zij/haar"), accept=True)


main()
print(f"{checks - failures} of {checks} checks passed")
sys.exit(1 if failures else 0)
