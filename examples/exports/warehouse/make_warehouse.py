"""Generate a synthetic NHS / local-authority data-warehouse extract of an IPS service.

Everything here is invented (seeded, no real people). Output: pipe-delimited .txt files,
Windows-1252, CRLF, UPPER_SNAKE headers, coded columns decoded by LKP_CODES.txt.
Planted faults are listed in FAULTS (written to faults_log.txt beside this script).

Usage: python3 examples/exports/warehouse/make_warehouse.py [OUT_DIR]   (default: export/ beside this script)
"""

import datetime as dt
import os
import random
import sys

SEED = 20240105
rng = random.Random(SEED)
D = dt.date
EXTRACT_DAY = D(2024, 1, 5)          # the day the extract was run = data cut
COVID = (D(2020, 3, 23), D(2021, 7, 19))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "export")
TRUTH = os.path.dirname(os.path.abspath(__file__))
FAULTS = []                           # (file, data row number as seen with header=row 1, text)


# ---------------------------------------------------------------- formats
def dmy_yy(d):          # 07-JAN-21 (Oracle DD-MON-YY)
    return "" if d is None else d.strftime("%d-%b-%y").upper()


def dmy_yyyy(d):        # 07-JAN-2021
    return "" if d is None else d.strftime("%d-%b-%Y").upper()


def ymd_int(d):         # 20210107
    return "" if d is None else d.strftime("%Y%m%d")


def dmy_time(d, hh=0, mm=0):   # 07/01/2021 10:30:00
    return "" if d is None else f"{d.strftime('%d/%m/%Y')} {hh:02d}:{mm:02d}:00"


def tf(b):
    return "" if b is None else ("T" if b else "F")


def access_bool(b):
    return "" if b is None else ("-1" if b else "0")


def write(name, header, rows, trailer=False):
    """Write a pipe-delimited, cp1252, CRLF file; rows are lists of strings."""
    lines = ["|".join(header)] + ["|".join(str(c) for c in r) for r in rows]
    if trailer:
        lines.append(f"TRAILER|{len(rows)}")
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    with open(os.path.join(OUT, name), "wb") as fh:
        fh.write(data)
    return len(rows)


def pick(weights):
    """weights: dict value->weight."""
    vals, w = zip(*weights.items())
    return rng.choices(vals, weights=w, k=1)[0]


def add(d, days):
    return d + dt.timedelta(days=int(days))


# ---------------------------------------------------------------- lookups
LKP = []   # DOMAIN, CODE, DESCRIPTION, VALID_FROM, VALID_TO, ACTIVE_FLG


def lk(domain, entries, valid_from="01-APR-2019"):
    for code, desc in entries:
        LKP.append([domain, code, desc, valid_from, "31-DEC-9999", "Y"])


lk("REF_SRC", [("1", "Self-referral"), ("2", "Drug & alcohol treatment service – keyworker"),
               ("3", "GP / primary care"), ("4", "Community mental health team"),
               ("5", "Probation Service"), ("6", "Prison / through-the-gate team"),
               ("7", "Jobcentre Plus / DWP work coach"), ("8", "Housing / homelessness service"),
               ("9", "Other"), ("10", "Recovery community organisation"), ("99", "Not known")])
lk("DISCH_RSN", [("1", "Support completed – in sustained work"),
                 ("2", "Support completed – no further support needed"),
                 ("3", "Disengaged / lost contact"), ("4", "Moved out of area"),
                 ("5", "Declined further support"), ("6", "Returned to custody"),
                 ("7", "Deceased"), ("8", "Transferred to other employment provision"),
                 ("99", "Not recorded")])
lk("EMP_STAT", [("01", "Employed (incl. self-employed)"), ("02", "Employed – currently off sick"),
                ("03", "Unemployed – seeking work"), ("04", "Economically inactive"),
                ("99", "Not known")])
lk("SEX", [("1", "Male"), ("2", "Female"), ("9", "Indeterminate"), ("X", "Not known")])
lk("ETH", [("A", "White – British"), ("B", "White – Irish"), ("C", "White – any other White background"),
           ("D", "Mixed – White and Black Caribbean"), ("E", "Mixed – White and Black African"),
           ("F", "Mixed – White and Asian"), ("G", "Mixed – any other mixed background"),
           ("H", "Asian or Asian British – Indian"), ("J", "Asian or Asian British – Pakistani"),
           ("K", "Asian or Asian British – Bangladeshi"), ("L", "Asian – any other Asian background"),
           ("M", "Black or Black British – Caribbean"), ("N", "Black or Black British – African"),
           ("P", "Black – any other Black background"), ("R", "Other ethnic groups – Chinese"),
           ("S", "Any other ethnic group"), ("Z", "Not stated"), ("99", "Not known")])
lk("SUBST", [("1", "Alcohol"), ("2", "Heroin"), ("3", "Methadone (illicit)"), ("4", "Crack cocaine"),
             ("5", "Cocaine (powder)"), ("6", "Cannabis"), ("7", "Benzodiazepines"),
             ("8", "Amphetamines"), ("9", "Other drug"), ("99", "Not known")])
LKP.append(["TRT_STAT", "3", "Not in treatment", "01-APR-2019", "31-MAR-2021", "N"])
lk("TRT_STAT", [("1", "In structured treatment"), ("2", "Treatment completed – free of dependence"),
                ("9", "Not known")])
lk("TRT_STAT", [("3", "Left treatment – not completed / not in treatment")], "01-APR-2021")
lk("TSLJ", [("1", "Never worked"), ("2", "Less than 12 months"), ("3", "1–2 years"),
            ("4", "2–5 years"), ("5", "5–10 years"), ("6", "More than 10 years"), ("9", "Not known")])
lk("BEN", [("UCNW", "Universal Credit – not working"), ("UCIW", "Universal Credit – in work"),
           ("ESA", "Employment & Support Allowance"), ("JSA", "Jobseeker’s Allowance"),
           ("NONE", "No benefits"), ("NK", "Not known")])
lk("HOUS", [("1", "Owner occupier"), ("2", "Rented – council / housing association"),
            ("3", "Rented – private landlord"), ("4", "Supported housing / hostel"),
            ("5", "Temporary accommodation (B&B, night shelter)"), ("6", "No fixed abode / rough sleeping"),
            ("7", "Living with family or friends"), ("9", "Not known")])
lk("QUAL", [("0", "No qualifications"), ("1", "Entry level / Level 1"), ("2", "Level 2 (GCSE A*–C / 9–4)"),
            ("3", "Level 3 (A level, BTEC National)"), ("4", "Level 4 or above (HNC, degree)"),
            ("7", "Other / overseas qualification"), ("9", "Not known")])
lk("CNTCT_TYP", [("10", "IPS 1:1 appointment"), ("11", "IPS vocational profile / first appointment"),
                 ("12", "In-work support session (client)"), ("20", "Employer engagement contact"),
                 ("30", "Case note / administration"), ("31", "Appointment reminder sent"),
                 ("40", "Treatment team (MDT) meeting attended")])
lk("ATT_IND", [("0", "Not applicable – appointment in the future"), ("2", "Cancelled by client"),
               ("3", "Did not attend – no advance warning"), ("4", "Cancelled or postponed by service"),
               ("5", "Attended on time or, if late, before the relevant staff could see them"),
               ("6", "Arrived late but was seen"), ("7", "Arrived late and could not be seen")])
lk("CONS_MED", [("01", "Face to face"), ("02", "Telephone"), ("03", "Video consultation (MS Teams)"),
                ("05", "Email"), ("06", "SMS / text message"), ("98", "Other")])
lk("OUTC_TYP", [("1", "Paid job start"), ("2", "Job retained – in work at referral"),
                ("3", "Voluntary work placement"), ("4", "Education / training start")])
lk("CONTR_TYP", [("P", "Permanent"), ("T", "Temporary / fixed term"), ("Z", "Zero-hours contract"),
                 ("A", "Apprenticeship"), ("SE", "Self-employment")])
lk("SIC_SECT", [("C", "Manufacturing"), ("F", "Construction"), ("G", "Wholesale & retail trade"),
                ("H", "Transport & storage"), ("I", "Accommodation & food service"),
                ("N", "Administrative & support services"), ("Q", "Health & social work"),
                ("R", "Arts, entertainment & recreation"), ("S", "Other service activities")])
lk("JOB_END_RSN", [("1", "Resigned"), ("2", "Dismissed"), ("3", "Contract ended"),
                   ("4", "Ill health"), ("5", "Moved to another job"), ("9", "Not known")])
lk("INSTR", [("SWM", "Short Warwick–Edinburgh Mental Wellbeing Scale (SWEMWBS)"),
             ("TOP", "Treatment Outcomes Profile (NDTMS)")])
lk("TP", [("1", "Baseline / start of support"), ("2", "Review – 3 months"), ("3", "Review – 6 months"),
          ("4", "Exit / discharge")])
SWM_ITEMS = ["I’ve been feeling optimistic about the future", "I’ve been feeling useful",
             "I’ve been feeling relaxed", "I’ve been dealing with problems well",
             "I’ve been thinking clearly", "I’ve been feeling close to other people",
             "I’ve been able to make up my own mind about things"]
lk("MEAS", [(f"SWM_{i + 1:02d}", f"SWEMWBS item {i + 1} – {t}") for i, t in enumerate(SWM_ITEMS)]
   + [("SWM_TOT", "SWEMWBS total (raw score 7–35)"),
      ("SWM_MET", "SWEMWBS total (metric score, Rasch-converted)"),
      ("TOP_PSY", "TOP – psychological health rating (0–20)"),
      ("TOP_PHY", "TOP – physical health rating (0–20)"),
      ("TOP_QOL", "TOP – overall quality of life rating (0–20)"),
      ("TOP_ALC", "TOP – days used alcohol, past 28 days"), ("TOP_OPI", "TOP – days used opiates, past 28 days"),
      ("TOP_CRK", "TOP – days used crack, past 28 days"), ("TOP_COC", "TOP – days used cocaine, past 28 days"),
      ("TOP_CAN", "TOP – days used cannabis, past 28 days"),
      ("TOP_OTH", "TOP – days used other drugs, past 28 days")])
lk("ROLE", [("ES", "Employment Specialist (IPS)"), ("TL", "IPS Team Leader"),
            ("ADM", "Administrator"), ("RC", "Recovery Coordinator (treatment service)"),
            ("PSW", "Peer Support Worker"), ("MGR", "Service Manager")])
lk("TEAM", [("301", "Northbrook & Easthaven IPS"), ("302", "St Mary’s Vale IPS – Café Hub"),
            ("303", "Kingsmoor IPS")])
lk("INTEG", [("1", "Strong – ES embedded in treatment team"), ("2", "Moderate"),
             ("3", "Weak – separate service")])

# ---------------------------------------------------------------- areas, staff
AREAS = [  # LA_CD, name, team, population 16-64, integration, co-located, referral weight
    ("NBK", "Northbrook", "301", 142300, "1", True, 0.31),
    ("EHV", "Easthaven", "301", 98750, "2", False, 0.20),
    ("SMV", "St Mary’s Vale", "302", 121400, "1", True, 0.30),
    ("KGM", "Kingsmoor", "303", 76900, "3", False, 0.19),
]
AREA = {a[0]: a for a in AREAS}
SENT_START, SENT_END = D(1900, 1, 1), D(9999, 12, 31)
STAFF = [  # key, initials, role, team, la, wte, hours, start, end
    ("4101", "JH", "ES", "301", "NBK", 1.00, 37.5, SENT_START, SENT_END),
    ("4102", "AK", "ES", "301", "EHV", 0.80, 30.0, D(2020, 2, 3), D(2022, 9, 30)),
    ("4103", "RS", "ES", "301", "EHV", 1.00, 37.5, D(2022, 10, 17), SENT_END),
    ("4104", "MO", "ES", "302", "SMV", 1.00, 37.5, SENT_START, SENT_END),
    ("4105", "LT", "ES", "302", "SMV", 0.60, 22.5, D(2020, 7, 6), SENT_END),
    ("4106", "CB", "ES", "303", "KGM", 1.00, 37.5, D(2020, 1, 13), D(2023, 3, 31)),
    ("4107", "NP", "ES", "303", "KGM", 0.80, 30.0, D(2023, 4, 24), SENT_END),
    ("4110", "DW", "TL", "301", "NBK", 1.00, 37.5, D(2019, 11, 4), SENT_END),
    ("4120", "SA", "ADM", "301", "NBK", 0.50, 18.5, D(2019, 11, 4), SENT_END),
    ("4121", "EF", "ADM", "302", "SMV", 0.60, 22.0, D(2020, 5, 11), SENT_END),
    ("4130", "GR", "RC", "302", "SMV", 1.00, 37.5, D(2018, 6, 1), SENT_END),
    ("4131", "HV", "RC", "303", "KGM", 1.00, 37.5, D(2019, 2, 18), D(2022, 12, 23)),
    ("4140", "PM", "PSW", "301", "EHV", 0.40, 15.0, D(2021, 3, 1), SENT_END),
    ("4150", "YC", "MGR", "301", "NBK", 1.00, 37.5, SENT_START, SENT_END),
]
ES_KEYS = [s[0] for s in STAFF if s[2] == "ES"]
GHOST_ES = "4108"     # agency ES whose record was never loaded to DIM_STAFF (fault)


def es_for(la, day):
    """Employment specialist of the client's team working on that day."""
    team = AREA[la][2]
    cands = [s for s in STAFF if s[2] == "ES" and s[3] == team
             and (s[7] == SENT_START or s[7] <= day) and day <= s[8]]
    if not cands:
        cands = [s for s in STAFF if s[2] == "ES" and s[3] == team]
    # prefer the ES based in the client's own LA
    own = [s for s in cands if s[4] == la]
    return rng.choice(own or cands)[0]


def es_active(key, day):
    s = next(s for s in STAFF if s[0] == key)
    return (s[7] == SENT_START or s[7] <= day) and day <= s[8]


# ---------------------------------------------------------------- clients
def referral_day():
    while True:
        d = add(D(2020, 1, 6), rng.uniform(0, (D(2023, 11, 30) - D(2020, 1, 6)).days))
        if COVID[0] <= d <= D(2020, 6, 30) and rng.random() < 0.6:
            continue   # referrals dipped in the first lockdown
        if d.weekday() < 5:
            return d


N_CLIENTS = 258
ids = rng.sample(range(7010000, 7099000), N_CLIENTS)
clients = []
for cid in ids:
    la = pick({a[0]: a[6] for a in AREAS})
    ref = referral_day()
    c = {"id": cid, "la": la, "team": AREA[la][2], "ref": ref}
    c["accepted"] = rng.random() > 0.04
    c["src"] = pick({"2": 46, "1": 14, "3": 8, "4": 5, "5": 8, "6": 3, "7": 6, "8": 3, "9": 2, "10": 3, "99": 2})
    c["emp"] = pick({"03": 70, "04": 19, "01": 5, "02": 3, "99": 3})
    c["age"] = max(18, min(68, int(rng.gauss(39, 10))))
    c["sex"] = pick({"1": 64, "2": 34, "9": 0.5, "X": 1.5})
    c["eth"] = pick({"A": 78, "B": 2, "C": 4, "D": 2, "E": 0.7, "F": 0.7, "G": 0.6, "H": 1.5, "J": 2,
                     "K": 0.7, "L": 0.5, "M": 1.5, "N": 1.2, "P": 0.5, "R": 0.4, "S": 0.7, "Z": 2, "99": 1})
    c["sub"] = pick({"1": 38, "2": 22, "3": 2, "4": 12, "5": 9, "6": 11, "7": 1, "8": 2, "9": 1, "99": 2})
    c["trt"] = pick({"1": 72, "2": 15, "3": 9, "9": 4})
    c["tslj"] = pick({"1": 6, "2": 18, "3": 15, "4": 22, "5": 17, "6": 16, "9": 6})
    employed = c["emp"] in ("01", "02")
    c["ben"] = pick({"UCIW": 50, "NONE": 45, "NK": 5}) if employed else \
        pick({"UCNW": 58, "ESA": 18, "JSA": 4, "NONE": 10, "UCIW": 2, "NK": 8})
    c["gp"] = None if rng.random() < 0.08 else rng.random() < 0.55
    c["ae"] = None if rng.random() < 0.10 else rng.random() < 0.18
    c["hous"] = pick({"1": 8, "2": 32, "3": 22, "4": 11, "5": 6, "6": 3, "7": 15, "9": 3})
    c["conv"] = None if rng.random() < 0.12 else rng.random() < 0.42
    c["conf"] = None if rng.random() < 0.15 else max(0, min(10, int(rng.gauss(5, 2.4))))
    c["qual"] = pick({"0": 24, "1": 16, "2": 27, "3": 15, "4": 9, "7": 3, "9": 6})
    c["es"] = es_for(la, ref)
    c["batch"] = 1000 + (ref - D(2020, 1, 1)).days // 30
    # engagement
    c["eng"] = None
    if c["accepted"] and rng.random() < 0.81:
        e = add(ref, rng.choice([2, 5, 7, 9, 12, 14, 16, 21, 28, 35, 42]) + rng.randint(0, 4))
        if e < EXTRACT_DAY:
            c["eng"] = e
    clients.append(c)

# ---------------------------------------------------------------- jobs
JOB_TITLES = {"G": ["Retail assistant", "Warehouse picker – night shift", "Shelf stacker"],
              "I": ["Kitchen porter – café", "Barista", "Chef de partie", "Housekeeper"],
              "F": ["Labourer (CSCS)", "Plasterer’s mate", "Groundworker"],
              "H": ["Delivery driver", "Warehouse operative", "Bus cleaner"],
              "N": ["Cleaner", "Security officer (SIA)", "Admin assistant"],
              "Q": ["Support worker", "Care assistant", "Peer mentor – recovery service"],
              "C": ["Production operative", "Packer"], "R": ["Leisure centre attendant", "Grounds maintenance"],
              "S": ["Dog groomer", "Hairdressing assistant", "Bike mechanic"]}
EMPLOYERS = ["Bramley Café Co-op", "Renée’s Bakery Ltd", "Northbrook Borough Council", "Kingsmoor Logistics",
             "Easthaven Care Homes", "Vale Leisure Trust", "Fenwick & Dunn Builders", "QuickParcel Depot 4",
             "Harbourside Hotel", "St Mary’s Vale Community Garden", "Cleanright Services", "Moorside Retail Park – Unit 7",
             "Greenway Packaging", "Café Lumière", "Easthaven Bus Co", "Recovery Connections CIC",
             "Kingsmoor Hospice Shops", "Brightside Security", "The Old Forge Pub", "Northbrook Foodbank"]
jobs = []    # dicts
for c in clients:
    c["jobs"] = []
    if not c["accepted"]:
        continue
    if c["emp"] in ("01", "02"):
        # job held at referral, recorded as outcome type 2 (retention) with start before referral
        start = add(c["ref"], -rng.randint(60, 1500))
        jobs.append({"c": c, "typ": "2", "start": start, "end": None, "sic": pick({"G": 3, "I": 2, "N": 2, "Q": 1}),
                     "hrs": rng.choice([16, 20, 25, 30, 37.5]), "ctr": "P"})
    if c["eng"] is None or c["emp"] in ("01", "02"):
        continue
    p = 0.56 if c["la"] in ("NBK", "SMV") else 0.42   # stronger integration, more job starts
    if c["age"] > 55:
        p *= 0.7
    if rng.random() < p:
        start = add(c["eng"], max(10, rng.gammavariate(2.0, 70)))
        n = 1 + (rng.random() < 0.16)
        for k in range(n):
            if start >= EXTRACT_DAY:
                break
            sic = pick({"G": 18, "I": 20, "F": 12, "H": 10, "N": 16, "Q": 10, "C": 6, "R": 4, "S": 4})
            se = rng.random() < 0.04
            if se:
                hrs, ctr = rng.choice([10, 16, 20, 25]), "SE"
            else:
                ctr = pick({"P": 55, "T": 28, "Z": 8, "A": 4})
                if ctr == "Z":
                    hrs = None if rng.random() < 0.6 else rng.choice([8, 12, 16])
                else:
                    hrs = pick({16: 14, 20: 10, 22.5: 6, 24: 6, 25: 6, 30: 12, 35: 9, 37.5: 16, 40: 6,
                                8: 5, 10: 6, 12: 5, 15: 5})
            dur = rng.gammavariate(1.3, 170)
            end = add(start, max(5, dur)) if rng.random() < 0.75 else None
            if end is not None and end >= EXTRACT_DAY:
                end = None
            job = {"c": c, "typ": "1", "start": start, "end": end, "sic": sic, "hrs": hrs, "ctr": ctr, "se": se}
            jobs.append(job)
            c["jobs"].append(job)
            if end is None:
                break
            start = add(end, rng.randint(14, 120))
    # non-job outcomes
    if rng.random() < 0.10:
        st = add(c["eng"], rng.randint(20, 200))
        if st < EXTRACT_DAY:
            jobs.append({"c": c, "typ": pick({"3": 6, "4": 4}), "start": st,
                         "end": None if rng.random() < 0.5 else add(st, rng.randint(30, 180)),
                         "sic": pick({"Q": 3, "S": 2, "R": 1}), "hrs": rng.choice([4, 6, 8, 12]), "ctr": "T"})

# ---------------------------------------------------------------- discharge
for c in clients:
    c["dis"], c["dis_rsn"] = None, ""
    if not c["accepted"]:
        c["dis"], c["dis_rsn"] = add(c["ref"], rng.randint(1, 10)), pick({"5": 3, "8": 2, "9": 0})
        continue
    if c["eng"] is None:
        d = add(c["ref"], rng.randint(45, 120))
        if d < EXTRACT_DAY:
            c["dis"], c["dis_rsn"] = d, pick({"3": 6, "5": 3, "4": 1, "99": 1})
        continue
    if c["jobs"]:
        last = max(j["start"] for j in c["jobs"])
        d = add(last, rng.randint(90, 300))
        rsn = pick({"1": 8, "2": 2})
    else:
        d = add(c["eng"], rng.gammavariate(2.0, 110) + 30)
        rsn = pick({"3": 45, "5": 18, "4": 9, "6": 6, "7": 1.5, "8": 8, "2": 6, "99": 4})
    if d < EXTRACT_DAY:
        c["dis"], c["dis_rsn"] = d, rsn

# ---------------------------------------------------------------- activity
NOTES_APPT = ["Reviewed job goals; client keen on café or kitchen work", "CV updated – added forklift ticket",
              "Better-off calculation done: approx £85 pw better off in work", "Travel to interview £12.50 – reimbursed",
              "Discussed disclosure of conviction with employer", "Job search online – 4 applications sent",
              "Client’s confidence improving, attended interview prep", "Met in café next to the hub",
              "Talked through UC reporting of earnings", "Résumé and cover letter finalised",
              "Agreed next steps with keyworker re: méthadone script times", ""]
NOTES_ADMIN = ["Letter sent re missed appt", "Updated contact details", "Keyworker emailed – client’s update",
               "File reviewed by TL", "Safeguarding check – no concerns", "Client called to rearrange", "£ travel claim logged"]
NOTES_EMP = ["Intro visit – discussed IPS & job carving", "Follow-up call re vacancies (2x KP roles)",
             "Employer open to trial shifts; pay £10.42/hr", "Met HR manager – Renée", "Dropped in CVs", ""]
acts = []   # dicts: typ, cid, stf, day, hh, mm, att, med, dur, emp, note


def mode(day):
    if COVID[0] <= day <= COVID[1]:
        return pick({"01": 18, "02": 55, "03": 25, "98": 2})
    return pick({"01": 66, "02": 24, "03": 8, "98": 2})


def appt(c, typ, day, stf):
    t = day if day.weekday() < 5 else add(day, 7 - day.weekday())
    if t >= EXTRACT_DAY:
        att = "0"
    else:
        att = pick({"5": 70, "6": 6, "3": 12, "2": 7, "4": 4, "7": 1})
    note = rng.choice(NOTES_APPT) if att in ("5", "6") else ""
    acts.append(dict(typ=typ, cid=str(c["id"]), stf=stf, day=t, hh=rng.choice([9, 10, 11, 13, 14, 15]),
                     mm=rng.choice([0, 15, 30, 45]), att=att, med=mode(t) if att != "0" else mode(t),
                     dur=rng.choice([30, 45, 60, 60, 90]) if att in ("5", "6") else "", emp="", note=note))
    return att


for c in clients:
    if not c["accepted"]:
        acts.append(dict(typ="30", cid=str(c["id"]), stf="4120", day=c["ref"], hh=12, mm=0, att="", med="",
                         dur="", emp="", note="Referral not accepted – not ready for work, keyworker informed"))
        continue
    if c["eng"] is None:
        # one or two booked first appointments that never happened
        for k in range(rng.randint(1, 2)):
            d = add(c["ref"], 7 + 10 * k)
            if d < EXTRACT_DAY:
                acts.append(dict(typ="11", cid=str(c["id"]), stf=c["es"], day=d if d.weekday() < 5 else add(d, 2),
                                 hh=10, mm=0, att=pick({"3": 3, "2": 1}), med=mode(d), dur="", emp="", note=""))
        continue
    stop = min(c["dis"] or add(EXTRACT_DAY, 40), add(EXTRACT_DAY, 40))
    es = c["es"]
    appt(c, "11", c["eng"], es)
    day = c["eng"]
    intensity = rng.choice([7, 10, 14, 14, 21])
    job_days = sorted(j["start"] for j in c["jobs"])
    while True:
        day = add(day, max(3, int(rng.gauss(intensity, 3))))
        if day >= stop:
            break
        if not es_active(es, day):
            es = es_for(c["la"], day)
        in_work = any(s <= day for s in job_days)
        typ = "12" if in_work else "10"
        att = appt(c, typ, day, es)
        if att == "0" and rng.random() < 0.5:
            break
        if rng.random() < 0.35:
            acts.append(dict(typ="30", cid=str(c["id"]), stf=rng.choice([es, es, "4120", "4121"]),
                             day=add(day, rng.randint(0, 3)), hh=16, mm=rng.choice([5, 20, 40]), att="", med="",
                             dur="", emp="", note=rng.choice(NOTES_ADMIN)))
        if rng.random() < 0.25:
            acts.append(dict(typ="31", cid=str(c["id"]), stf="4120", day=add(day, -1), hh=9, mm=0, att="",
                             med="06", dur="", emp="", note="Reminder SMS sent"))
        if in_work and rng.random() < 0.12:
            break   # in-work support tails off
# employer contacts and MDT meetings per ES
for s in STAFF:
    if s[2] != "ES":
        continue
    first = D(2020, 1, 6) if s[7] == SENT_START else max(s[7], D(2020, 1, 6))
    last = min(s[8], add(EXTRACT_DAY, -1))
    day = first
    while day < last:
        day = add(day, rng.choice([2, 3, 4, 5, 7]))
        if day >= last or day.weekday() >= 5:
            continue
        acts.append(dict(typ="20", cid="", stf=s[0], day=day, hh=rng.choice([10, 11, 14]), mm=0, att="",
                         med=pick({"01": 45, "02": 40, "05": 15}) if not (COVID[0] <= day <= COVID[1])
                         else pick({"01": 10, "02": 60, "05": 30}),
                         dur=rng.choice([15, 30, 45]), emp=rng.choice(EMPLOYERS), note=rng.choice(NOTES_EMP)))
    day = first
    while day < last:
        day = add(day, 14)
        if day < last:
            acts.append(dict(typ="40", cid="", stf=s[0], day=day, hh=13, mm=30, att="", med="01", dur=60,
                             emp="", note="Weekly clinical MDT – IPS referrals discussed"))

# ---------------------------------------------------------------- wellbeing
SWM_METRIC = {7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32, 15: 15.84,
              16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98, 23: 20.73,
              24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13,
              32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00}
wb = []   # CLNT_REF, ASSM_ID, INSTR_CD, TP_CD, ASSM_DT, MEAS_CD, SCR_VAL
assm_id = [880000]


def next_assm():
    assm_id[0] += rng.randint(1, 7)
    return str(assm_id[0])


def swemwbs(c, tp, day, lift):
    a = next_assm()
    base = rng.gauss(2.6 + lift, 0.45)
    items = [max(1, min(5, round(rng.gauss(base, 0.7)))) for _ in range(7)]
    ref = f"{c['id']:010d}"
    for i, v in enumerate(items):
        wb.append([ref, a, "SWM", tp, dmy_yy(day), f"SWM_{i + 1:02d}", str(v)])
    tot = sum(items)
    wb.append([ref, a, "SWM", tp, dmy_yy(day), "SWM_TOT", str(tot)])
    wb.append([ref, a, "SWM", tp, dmy_yy(day), "SWM_MET", f"{SWM_METRIC[tot]:.2f}"])


DAYS_MAP = {"1": "TOP_ALC", "2": "TOP_OPI", "3": "TOP_OPI", "4": "TOP_CRK", "5": "TOP_COC", "6": "TOP_CAN",
            "7": "TOP_OTH", "8": "TOP_OTH", "9": "TOP_OTH"}


def top(c, tp, day, lift):
    a = next_assm()
    ref = f"{c['id']:010d}"
    vals = {"TOP_PSY": rng.gauss(10 + 2 * lift, 3.5), "TOP_PHY": rng.gauss(11 + 1.5 * lift, 3.5),
            "TOP_QOL": rng.gauss(10 + 2 * lift, 3.5)}
    for m in ["TOP_ALC", "TOP_OPI", "TOP_CRK", "TOP_COC", "TOP_CAN", "TOP_OTH"]:
        vals[m] = 0
    main = DAYS_MAP.get(c["sub"])
    if main:
        vals[main] = rng.gauss(13 - 9 * lift, 7)
    if rng.random() < 0.3:
        vals[rng.choice(["TOP_CAN", "TOP_ALC", "TOP_CRK"])] = rng.gauss(6, 5)
    for m, v in vals.items():
        hi = 20 if m in ("TOP_PSY", "TOP_PHY", "TOP_QOL") else 28
        wb.append([ref, a, "TOP", tp, dmy_yy(day), m, str(max(0, min(hi, round(v))))])


for c in clients:
    if c["eng"] is None:
        continue
    end = c["dis"] or EXTRACT_DAY
    in_job = bool(c["jobs"])
    if rng.random() < 0.86:
        swemwbs(c, "1", add(c["eng"], rng.randint(0, 10)), 0)
    if rng.random() < 0.70:
        top(c, "1", add(c["eng"], -rng.randint(0, 35)), 0)
    for tp, months, p in (("2", 3, 0.52), ("3", 6, 0.47)):
        d = add(c["eng"], months * 30.4 + rng.randint(-20, 20))
        if d < end and d < EXTRACT_DAY and rng.random() < p:
            swemwbs(c, tp, d, 0.25 + 0.35 * in_job)
            if tp == "3" and rng.random() < 0.6:
                top(c, tp, add(d, rng.randint(-10, 10)), 0.3 + 0.3 * in_job)
    if c["dis"] and c["dis"] < EXTRACT_DAY and (c["dis"] - c["eng"]).days > 120 and rng.random() < 0.3:
        swemwbs(c, "4", c["dis"], 0.3 + 0.4 * in_job)

# ---------------------------------------------------------------- fidelity
REVIEWS = [("301", D(2021, 3, 17), "IPS Grow – A.K. & R.M.", 0.3), ("301", D(2022, 11, 9), "IPS Grow – R.M.", 0.7),
           ("301", D(2023, 10, 4), "IPS Grow – R.M. & T.O’N.", 0.9), ("302", D(2021, 6, 23), "IPS Grow – A.K.", 0.5),
           ("302", D(2023, 2, 15), "IPS Grow – T.O’N.", 0.9), ("303", D(2022, 5, 11), "IPS Grow – A.K.", -0.6),
           ("303", D(2023, 9, 20), "Peer review – Northbrook TL", -0.1)]
fid = []
for n, (team, day, who, q) in enumerate(REVIEWS):
    scores = [max(1, min(5, round(rng.gauss(3.6 + q, 0.8)))) for _ in range(25)]
    for i, s in enumerate(scores):
        fid.append([f"FR{21 + n:03d}", team, dmy_time(day), str(i + 1), str(s), str(sum(scores)), who,
                    "Caseload 21 – OK" if i == 0 else ""])


# ---------------------------------------------------------------- faults (planted after generation)
def fault(fname, text):
    FAULTS.append((fname, text))


# -- clients rows
C_FILE = "IPS_CLNT_REF_20240105.txt"
C_HDR = ["CLNT_ID", "SRC_SYS_CD", "LA_CD", "TEAM_CD", "ES_STF_KEY", "REF_DT", "REF_SRC_CD", "REF_ACPT_FLG",
         "VOC_PROF_DT", "DISCH_DT", "DISCH_RSN_CD", "EMP_STAT_AT_REF", "AGE_AT_REF", "SEX_CD", "ETH_CD",
         "SUBST_CD", "TRT_STAT_CD", "TSLJ_CD", "BEN_CD", "GP_3M_FLG", "AE_3M_FLG", "HOUS_CD", "CONV_FLG",
         "WRK_CONF_SCR", "QUAL_CD", "LOAD_BATCH_ID", "EXTR_DT"]
clients.sort(key=lambda c: c["ref"])
# faults that change client attributes
engaged = [c for c in clients if c["eng"] and c["dis"]]
c_eng_after = engaged[40]
c_eng_after["eng"], c_eng_after["dis"] = add(c_eng_after["dis"], 12), c_eng_after["dis"]
clients[100]["age"] = 157
for k in (31, 190):
    clients[k]["age"] = 999                      # warehouse 'not recorded' sentinel (a code, not a fault)
for k in (58, 121, 203):
    clients[k]["src"] = "14"                     # not in LKP_CODES
ghosts = [c for c in clients if c["team"] == "303" and c["accepted"] and D(2021, 1, 1) <= c["ref"] <= D(2021, 8, 31)][:4]
for c in ghosts:
    c["es"] = GHOST_ES

c_rows = []
for c in clients:
    c_rows.append([str(c["id"]), "CMS2", c["la"], c["team"], c["es"], dmy_yy(c["ref"]), c["src"], tf(c["accepted"]),
                   dmy_yy(c["eng"]), dmy_yy(c["dis"]), c["dis_rsn"], c["emp"], str(c["age"]), c["sex"], c["eth"],
                   c["sub"], c["trt"], c["tslj"], c["ben"], tf(c["gp"]), tf(c["ae"]), c["hous"],
                   access_bool(c["conv"]), "" if c["conf"] is None else str(c["conf"]), c["qual"],
                   str(c["batch"]), dmy_yy(EXTRACT_DAY)])
# duplicate client: re-loaded in a later batch with an updated discharge
dup_src = next(c for c in clients[150:] if c["dis"] and c["eng"])
dup_row = list(c_rows[clients.index(dup_src)])
dup_row[9] = dmy_yy(add(dup_src["dis"], 21))
dup_row[25] = str(int(dup_row[25]) + 7)
c_rows.insert(clients.index(dup_src) + 3, dup_row)


def c_rownum(c):
    return 2 + next(i for i, r in enumerate(c_rows) if r[0] == str(c["id"]))


fault(C_FILE, f"row {c_rownum(dup_src)} and row {clients.index(dup_src) + 5}: duplicate CLNT_ID {dup_src['id']} "
      f"(reloaded in LOAD_BATCH_ID {dup_row[25]}, DISCH_DT differs by 21 days)")
fault(C_FILE, f"row {c_rownum(clients[100])}: CLNT_ID {clients[100]['id']} AGE_AT_REF = 157 (impossible age)")
for k in (31, 190):
    fault(C_FILE, f"(not a fault, a code) row {c_rownum(clients[k])}: CLNT_ID {clients[k]['id']} AGE_AT_REF = 999 "
          "= not recorded (warehouse sentinel) -> map '999' = ''")
for k in (58, 121, 203):
    fault(C_FILE, f"row {c_rownum(clients[k])}: CLNT_ID {clients[k]['id']} REF_SRC_CD = 14, not in LKP_CODES")
fault(C_FILE, f"row {c_rownum(c_eng_after)}: CLNT_ID {c_eng_after['id']} VOC_PROF_DT "
      f"{dmy_yy(c_eng_after['eng'])} after DISCH_DT {dmy_yy(c_eng_after['dis'])} (engagement after discharge)")
for c in ghosts:
    fault(C_FILE, f"row {c_rownum(c)}: CLNT_ID {c['id']} ES_STF_KEY 4108 not in DIM_STAFF (agency ES never loaded)")
fault(C_FILE, f"row {len(c_rows) + 2}: trailer line 'TRAILER|{len(c_rows)}' (record count, not a client)")

# -- jobs
J_FILE = "IPS_EMP_OUTC_20240105.txt"
J_HDR = ["OUTC_ID", "CLNT_ID", "OUTC_TYP_CD", "JOB_START_DT", "JOB_END_DT", "HRS_PW", "CONTR_TYP_CD",
         "SELF_EMP_FLG", "EMPLR_NM", "JOB_TITLE", "SIC_SECT_CD", "END_RSN_CD", "VERIF_FLG"]
jobs.sort(key=lambda j: (j["start"], j["c"]["id"]))
j_rows = []
oid = 55000
for j in jobs:
    oid += rng.randint(1, 9)
    hrs = "" if j["hrs"] is None else f"{j['hrs']:.2f}"
    end = j["end"]
    j_rows.append([str(oid), str(j["c"]["id"]), j["typ"], ymd_int(j["start"]),
                   ymd_int(end) if end else "99991231", hrs, j["ctr"], access_bool(j.get("se", False)),
                   rng.choice(EMPLOYERS), rng.choice(JOB_TITLES[j["sic"]]) if j["typ"] == "1" else
                   {"2": "Existing job", "3": "Volunteer – charity shop", "4": "Level 2 Food Hygiene course"}[j["typ"]],
                   j["sic"], (pick({"1": 4, "2": 1, "3": 3, "4": 1, "5": 2, "9": 1}) if end else ""),
                   access_bool(rng.random() < 0.8)])
paid = [i for i, j in enumerate(jobs) if j["typ"] == "1"]
# job before referral
i_before = paid[25]
jb = jobs[i_before]
j_rows[i_before][3] = ymd_int(add(jb["c"]["ref"], -47))
fault(J_FILE, f"row {i_before + 2}: OUTC_ID {j_rows[i_before][0]} CLNT_ID {jb['c']['id']} JOB_START_DT "
      f"{j_rows[i_before][3]} before REF_DT {dmy_yy(jb['c']['ref'])} (job before referral)")
# end before start
ended = [i for i in paid if jobs[i]["end"] and i != i_before]
i_endb = ended[30]
j_rows[i_endb][4] = ymd_int(add(jobs[i_endb]["start"], -9))
fault(J_FILE, f"row {i_endb + 2}: OUTC_ID {j_rows[i_endb][0]} JOB_END_DT {j_rows[i_endb][4]} before "
      f"JOB_START_DT {j_rows[i_endb][3]}")
# hours typo
i_hrs = [i for i in paid if jobs[i]["hrs"] == 37.5][-2]
j_rows[i_hrs][5] = "375.00"
fault(J_FILE, f"row {i_hrs + 2}: OUTC_ID {j_rows[i_hrs][0]} HRS_PW = 375.00 (typo for 37.50; out of range 0–80)")
# start after the data cut (2024 for 2023) on a recent job
i_fut = [i for i in paid if jobs[i]["start"] >= D(2023, 9, 1) and jobs[i]["end"] is None][0]
j_rows[i_fut][3] = "2024" + j_rows[i_fut][3][4:]
fault(J_FILE, f"row {i_fut + 2}: OUTC_ID {j_rows[i_fut][0]} JOB_START_DT {j_rows[i_fut][3]} after the extract/data "
      f"cut 05-JAN-24 (year keyed as 2024 for 2023)")
fault(J_FILE, f"row {len(j_rows) + 2}: trailer line 'TRAILER|{len(j_rows)}'")

# -- activity: split into two extract periods, second with a different column order
P1_FILE, P2_FILE = "IPS_CNTCT_P1_20240105.txt", "IPS_CNTCT_P2_20240105.txt"
P1_HDR = ["CNTCT_ID", "CLNT_ID", "STF_KEY", "CNTCT_TYP_CD", "CNTCT_DTTM", "ATT_IND_CD", "CONS_MED_CD",
          "DUR_MINS", "EMPLR_NM", "NOTE_TXT"]
P2_HDR = ["CNTCT_ID", "CNTCT_DTTM", "CNTCT_TYP_CD", "CLNT_ID", "STF_KEY", "CONS_MED_CD", "ATT_IND_CD",
          "EMPLR_NM", "DUR_MINS", "NOTE_TXT", "CRT_USER"]
# unknown client's meetings (client record deleted from the source system)
for k, d in enumerate([D(2022, 2, 14), D(2022, 2, 28), D(2022, 3, 14)]):
    acts.append(dict(typ="10", cid="7099917", stf="4104", day=d, hh=10, mm=30, att="5" if k != 1 else "3",
                     med="01", dur=45 if k != 1 else "", emp="", note="", tag="ghost_client"))
# notes and reminders cannot be written after the extract was run
acts = [a for a in acts if not (a["typ"] in ("30", "31") and a["day"] >= EXTRACT_DAY)]
ghost_ids = {str(c["id"]) for c in ghosts}
for a in acts:   # the agency ES's own appointments carry the unknown staff key too
    if a["cid"] in ghost_ids and a["typ"] in ("10", "11", "12") and a["day"] < D(2021, 10, 1):
        a["stf"] = GHOST_ES
acts.sort(key=lambda a: (a["day"], a["hh"], a["mm"], a["stf"]))
cid_seq = 3100000
for a in acts:
    cid_seq += rng.randint(1, 4)
    a["id"] = str(cid_seq)
# new contact type 13 (group session) introduced Sep 2023, lookup never updated
grp = [a for a in acts if a["typ"] == "10" and a["day"] >= D(2023, 9, 1) and a["att"] in ("5", "6")][:7]
for a in grp:
    a["typ"], a["note"] = "13", "Group job club session – CV workshop"
# embedded pipe in a free-text note
pipe_act = [a for a in acts if a["typ"] == "10" and a["att"] == "5" and D(2021, 5, 1) <= a["day"]][0]
pipe_act["note"] = "Rent arrears £450|month discussed – referred to debt advice"


def p1_row(a):
    return [a["id"], a["cid"], a["stf"], a["typ"], dmy_time(a["day"], a["hh"], a["mm"]), a["att"], a["med"],
            str(a["dur"]), a["emp"], a["note"]]


def p2_row(a):
    return [a["id"], dmy_time(a["day"], a["hh"], a["mm"]), a["typ"], a["cid"], a["stf"], a["med"], a["att"],
            a["emp"], str(a["dur"]), a["note"], f"CMS2\\{'SVC' if a['typ'] in ('31',) else 'U' + a['stf']}"]


split = D(2022, 4, 1)
p1 = [a for a in acts if a["day"] < split]
p2 = [a for a in acts if a["day"] >= split]
p1_rows, p2_rows = [p1_row(a) for a in p1], [p2_row(a) for a in p2]


def where(a):
    lst = p1 if a in p1 else p2
    return (P1_FILE if a in p1 else P2_FILE), lst.index(a) + 2


for a in [a for a in acts if a.get("tag") == "ghost_client"]:
    f, r = where(a)
    fault(f, f"row {r}: CNTCT_ID {a['id']} CLNT_ID 7099917 not in the clients file (IPS appointment)")
f, r = where(pipe_act)
fault(f, f"row {r}: CNTCT_ID {pipe_act['id']} NOTE_TXT contains an unescaped '|' -> one field too many "
      f"(the ATT_IND/CONS_MED columns are still right, NOTE_TXT splits in two)")
for a in grp:
    f, r = where(a)
    fault(f, f"row {r}: CNTCT_ID {a['id']} CNTCT_TYP_CD = 13 not in LKP_CODES (group job club session)")
fault(P2_FILE, "whole file: column order differs from IPS_CNTCT_P1 (and an extra CRT_USER column)")
fault(P1_FILE, f"row {len(p1_rows) + 2}: trailer 'TRAILER|{len(p1_rows)}'")
fault(P2_FILE, f"row {len(p2_rows) + 2}: trailer 'TRAILER|{len(p2_rows)}'")

# -- wellbeing faults
W_FILE = "IPS_OUTC_MEAS_20240105.txt"
W_HDR = ["CLNT_REF", "ASSM_ID", "INSTR_CD", "TP_CD", "ASSM_DT", "MEAS_CD", "SCR_VAL"]
i_item = [i for i, r in enumerate(wb) if r[5] == "SWM_04"][60]
wb[i_item][6] = "6"
fault(W_FILE, f"row {i_item + 2}: ASSM_ID {wb[i_item][1]} SWM_04 score 6 (items are 1–5; SWM_TOT beside it "
      f"was computed with the true value, so the total no longer equals the item sum)")
i_alc = [i for i, r in enumerate(wb) if r[5] == "TOP_ALC" and int(r[6]) >= 20][2]
wb[i_alc][6] = "30"
fault(W_FILE, f"row {i_alc + 2}: ASSM_ID {wb[i_alc][1]} TOP_ALC = 30 days (max 28)")

# ---------------------------------------------------------------- write
os.makedirs(OUT, exist_ok=True)
counts = {}
counts[C_FILE] = write(C_FILE, C_HDR, c_rows, trailer=True)
counts[J_FILE] = write(J_FILE, J_HDR, j_rows, trailer=True)
counts[P1_FILE] = write(P1_FILE, P1_HDR, p1_rows, trailer=True)
counts[P2_FILE] = write(P2_FILE, P2_HDR, p2_rows, trailer=True)
counts[W_FILE] = write(W_FILE, W_HDR, wb)
counts["DIM_STAFF.txt"] = write("DIM_STAFF.txt",
                                ["STF_KEY", "STF_INIT", "ROLE_CD", "TEAM_CD", "BASE_LA_CD", "WTE", "CONTR_HRS",
                                 "START_DT", "END_DT", "ACTIVE_FLG"],
                                [[s[0], s[1], s[2], s[3], s[4], f"{s[5]:.2f}", f"{s[6]:.1f}", dmy_yyyy(s[7]),
                                  dmy_yyyy(s[8]), access_bool(s[8] == SENT_END)] for s in STAFF])
counts["DIM_LOCAL_AUTH.txt"] = write("DIM_LOCAL_AUTH.txt",
                                     ["LA_CD", "LA_NM", "TEAM_CD", "POP_16_64", "INTEG_CD", "CO_LOC_FLG"],
                                     [[a[0], a[1], a[2], str(a[3]), a[4], tf(a[5])] for a in AREAS])
counts["IPS_FIDELITY_ITEM.txt"] = write("IPS_FIDELITY_ITEM.txt",
                                        ["REV_ID", "TEAM_CD", "REV_DT", "ITEM_NO", "ITEM_SCR", "REV_TOT_SCR",
                                         "RVWR_TXT", "ITEM_CMNT"], fid)
counts["LKP_CODES.txt"] = write("LKP_CODES.txt", ["DOMAIN", "CODE", "DESCRIPTION", "VALID_FROM", "VALID_TO",
                                                  "ACTIVE_FLG"], LKP)
ctl = [[f, str(n), "05/01/2024 02:14:09", "DWH_IPS_EXTRACT", "OK"] for f, n in counts.items()]
write("EXTRACT_CONTROL.txt", ["FILE_NM", "ROW_CNT", "EXTR_DTTM", "JOB_NM", "STATUS"], ctl)

with open(os.path.join(TRUTH, "faults_log.txt"), "w", encoding="utf-8") as fh:
    for f, t in FAULTS:
        fh.write(f"{f}: {t}\n")
with open(os.path.join(TRUTH, "stats.txt"), "w", encoding="utf-8") as fh:
    acc = [c for c in clients if c["accepted"]]
    eng = [c for c in acc if c["eng"]]
    withjob = [c for c in clients if c["jobs"]]
    hrs = [j["hrs"] for j in jobs if j["typ"] == "1" and j["hrs"] is not None]
    fh.write(f"clients unique {len(clients)}, accepted {len(acc)}, engaged {len(eng)}, with paid job {len(withjob)} "
             f"({len(withjob) / len(clients):.1%} of all, {len(withjob) / len(eng):.1%} of engaged)\n")
    fh.write(f"employed at referral {sum(c['emp'] in ('01', '02') for c in clients)}\n")
    fh.write(f"paid jobs {sum(j['typ'] == '1' for j in jobs)}, 16+ hours {sum(h >= 16 for h in hrs) / len(hrs):.1%}\n")
    fh.write(f"activity rows {len(acts)}, by type " + str({t: sum(a['typ'] == t for a in acts)
                                                          for t in sorted({a['typ'] for a in acts})}) + "\n")
    fh.write("file rows " + str(counts) + "\n")
print(open(os.path.join(TRUTH, "stats.txt")).read())
