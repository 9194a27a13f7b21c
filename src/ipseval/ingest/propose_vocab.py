"""What local exports usually call the standard's tables, columns and codes (the mapping assistant's
domain knowledge). Data only: phrases are separated by '|' and compared after folding case, spacing
and punctuation, so each is written once in plain words.
"""

from __future__ import annotations

TABLE_NAMES: dict[str, str] = {
    "clients": "caseload | caseload tracker | tracker | ips tracker | referrals | referral list | client list"
    " | participants | service users | people | customers | cases | case list | register | clients",
    "meetings": "appointments | appts | appt | meetings | mtgs | contacts | contact log | sessions | diary"
    " | attendance | encounters | visits | appointment log | activities | activity | activity log",
    "jobs": "jobs | job starts | job outcomes | employment | placements | job placements | jobs gained"
    " | employment outcomes | paid work | work starts",
    "wellbeing": "wellbeing | top | tops | outcome star | questionnaires | assessments | measures | scores"
    " | outcome measures | sure | survey | surveys | survey answers | survey responses | questionnaire answers",
    "areas": "areas | boroughs | localities | local authorities | sites | teams by area | area list",
    "fidelity": "fidelity | fidelity review | ips 25 | ips25 | fidelity scores | fidelity items | team fidelity"
    " | fidelity reviews | fidelity ratings | ips fidelity | ips 25 reviews | fidelity review scores",
    "staff": "staff | specialists | employment specialists | es list | staff list | workers | roster"
    " | staff roster | team members | es team",
    "employer_contacts": "employer contacts | employer engagement | employer visits | bd log"
    " | business development | employer log | employers",
    "comparison": "comparison | comparison group | control group | matched controls",
}

COLUMN_NAMES: dict[str, str] = {
    "client_id": "client ref | client reference | client no | client number | client code | person id"
    " | participant id | participant | service user id | su id | case id | case number | case ref"
    " | nhs no | nhs number | patient id | unique id | id | urn | customer id | member id"
    " | record id | pseudonym | person ref | person reference | person no | person number | person code"
    " | service user ref | service user reference | service user no | service user number | su ref"
    " | su no | patient ref | customer ref | participant ref | participant no | client ref no"
    " | individual id | person identifier | client identifier | membership number | membership no"
    " | member number | member no | member ref",
    "local_authority": "la name | local auth | lad | local authority name | borough name | borough | la | local authority | area | locality | council | district | county"
    " | site | local area | borough of residence | team | locality team | service team | team name"
    " | area team",
    "referral_date": "referral dt | ref dt | date of ref | date referred | ref date | referred on | date of referral | referral received"
    " | received date | referred | referral received date | referral accepted | referral accepted date"
    " | accepted date | date accepted | accepted on | date allocated | allocated date | allocation date"
    " | caseload start date | date added to caseload",
    "referral_source": "source | ref src | referred by | referrer | referral route | referral from"
    " | source of referral | referral agency | referring agency | ref source | pathway",
    "engagement_date": "engaged on | date engaged | eng date | vocational profile date | vp date"
    " | profile started | first appointment | first appt | intake date | enrollment date"
    " | enrolment date | start of support | engaged",
    "discharge_date": "date closed | closed | closure date | closed on | d c date | dc date | exit date"
    " | date discharged | case closed | left service | date left service | discharged",
    "discharge_reason": "reason for closure | closure reason | d c reason | dc reason | exit reason"
    " | reason closed | reason for leaving | reason left | leaving reason | discharge outcome",
    "employed_at_referral": "emp status | employment status | work status | emp status at ref"
    " | employment status at referral | economic status | in work at referral | employed at referral | employed at intake"
    " | employed on referral | working at referral | in employment at referral | emp at ref"
    " | job retention | retention case | employed at start | in work",
    "age": "age at referral | age at intake | age years | age on referral | age yrs",
    "sex": "gender | gender identity | sex at birth",
    "ethnicity": "ethnic | ethnicity code | eth code | eth group | ethnic grp | ethnic code | ethnic group | eth | ethnic origin | ethnic background | race | ethnic category",
    "main_substance": "sub | subst | main sub | primary sub | main subst | primary subst | drug used | primary substance | primary drug | drug | substance | main drug | problem substance"
    " | drug of choice | primary drug of use | substance of use | main problem substance",
    "date_last_worked": "date last worked | last worked date | date of last employment | last employment date"
    " | last job date | date last employed | last date worked | date left last job | last job end date"
    " | last job ended | month last worked | year last worked",
    "treatment_status": "tx status | treatment | treatment stage | in treatment | treatment state",
    "time_since_last_job": "time since last work | time since work | time since last employment"
    " | years since work | yrs since work | last worked | time out of work | since last job | last employment"
    " | time unemployed | length unemployed | last job | when last worked",
    "benefits": "ben | main benefit | benefit claimed | benefit | bens | benefit type | benefits claimed | benefit status",
    "gp_visit_recent": "gp | gp visit | seen gp | gp 3m | gp last 3 months | gp recent | visited gp",
    "ae_visit_recent": "a and e | a and e 3m | a and e visit | ae | emergency department | ed visit"
    " | attended a and e | a and e attendance | a and e attendances | ae attendance | emergency attendance"
    " | attended emergency department",
    "housing_tenure": "accom | accom type | accom status | housing tenure | housing type | tenure type"
    " | living arrangements | residence type | housing | housing status | tenure | accommodation | housing situation"
    " | accommodation status | living situation | accommodation type",
    "criminal_conviction": "conv | convs | convicted | criminal conviction | convictions | criminal record | conviction | offending history | has conviction"
    " | offending",
    "work_confidence": "confidence | conf | job confidence | confidence score | confidence about work",
    "highest_qualification": "qual | highest quals | qual level | qualification level | quals | qualifications | highest qual | education | education level"
    " | qualification",
    "employment_specialist_id": "employment specialist | es | es code | es id | specialist | staff id"
    " | staff | assigned worker | ips worker | caseworker | case worker | case manager | employment adviser"
    " | employment advisor | worker id | worker | staff member | specialist id | allocated es"
    " | allocated worker | allocated to | assigned to | assigned es | practitioner | adviser | advisor"
    " | ips adviser | ips advisor | employment coach | job coach | staff name | worker name"
    " | es name | named worker | lead worker | case owner | employment worker | ips specialist"
    " | owner | record owner | contact owner | owner name",
    "meeting_date": "appt date | appointment date | date | contact date | session date | date of meeting"
    " | date of appointment | encounter date | visit date | seen on | activity date | event date",
    "attended": "attendance | outcome | did attend | status | show status | dna | kept | appointment outcome"
    " | appointment status | attended y n | attended yes no",
    "mode": "contact type | type | method | contact method | meeting type | appointment type"
    " | encounter type | channel | how seen | delivery",
    "start_date": "job start | started | job start date | date started | employment start | placement start"
    " | start | joined | joined team | hire date | date joined",
    "end_date": "job end | finished | left job | date left | job end date | placement end | ended | end"
    " | leaving date | left | termination date | term date",
    "hours_per_week": "hrs week | hours | weekly hours | hrs pw | contracted hours | hours pw | hrs"
    " | hours a week | hours per week | hours worked | hours worked per week | weekly hours worked"
    " | working hours | usual hours",
    "employer": "employer name | company | organisation | organization | business | workplace | account name",
    "sector": "industry | job type | occupation | job sector | role type | sic | sic code | sic section",
    "self_employed": "self employed | se | own business | self emp",
    "assessment_date": "date of assessment | date completed | questionnaire date | top date | date"
    " | assessment date | completed on | date done | form date | date of form | review date | score date",
    "instrument": "tool | questionnaire | form | assessment | assessment type | outcome tool | measure type"
    " | questionnaire type | tool name | survey | survey name | survey type",
    "measure": "item | domain | question | scale | subscale | measure name | item name | indicator",
    "score": "value | rating | result | item score | answer | response | numeric value | answer value"
    " | score value | points",
    "integration_strength": "integration | integration rating | strength of integration | integration level"
    " | integration with treatment | integration with treatment service | treatment integration"
    " | integration with drug and alcohol service",
    "co_located": "co located | colocated | co location | based in treatment team | co located with treatment",
    "population": "pop | residents | population size | adult population | adult pop | population 18 plus"
    " | population 16 plus | residents 18 plus",
    "team": "service | review team | team reviewed",
    "review_date": "date of review | fidelity review date | date",
    "item": "item number | item no | criterion | question",
    "reviewer": "assessor | reviewed by",
    "fte": "hours fte | whole time equivalent | wte | full time equivalent | contract fte",
    "contact_date": "date of contact | date | visit date",
    "face_to_face": "f2f | in person | visit | contact type | mode",
    "group": "arm | cohort | treatment group | condition | ips referred",
    "job_start_date": "job start | date of first job | first job start",
    "follow_up_end": "end of follow up | censor date | follow up until",
}

# Usual names that mean a standard column only in one table (in meetings, the person who saw the
# client is the employment specialist; in clients a 'key worker' is the treatment keyworker).
TABLE_COLUMN_NAMES: dict[str, dict[str, str]] = {
    "meetings": {
        "employment_specialist_id": "seen by | key worker | keyworker | met with | staff seen | seen with"
        " | held by | attended by | worker seen | practitioner seen | conducted by | delivered by",
    },
    "employer_contacts": {"employment_specialist_id": "contact made by | made by"},
    "staff": {
        "contracted_hours": "contracted hours | contract hours | hours | weekly hours | hours per week"
        " | hrs | hrs pw | hours pw | weekly contracted hours | working hours | hours worked"
    },
}

# A date of birth: a clients column the reader turns into age at referral (propose_columns).
DATE_OF_BIRTH_NAMES = "dob | date of birth | birth date | birthdate | d o b | date born | born | birthday"

# Names that are recognised but are not (and should not be) in the standard: what to do instead.
NOT_STANDARD: dict[str, str] = {
    "dob | date of birth | birth date | birthdate": "the standard holds age at referral in whole years, not "
    "the date of birth: add an age column instead",
    "name | first name | forename | surname | last name | full name | client name": "names are not part of "
    "the standard: leave them out of the export",
    "postcode | post code | address | addr | address 1 | address line 1 | phone | telephone number"
    " | mobile | email | tel no": "contact details are not "
    "part of the standard: leave them out of the export",
    "notes | comments | keyworker notes | case notes | free text": "free-text notes are not read",
    "created date | date created | created on | created | last modified date | last modified | modified date"
    " | date modified | last updated | updated on | last edited | system modstamp": "when the record was created or"
    " edited, not an event the standard holds: not used",
    "language | first language | preferred language | main language | language spoken | iaith": "the "
    "standard does not hold a client's language: not used",
}


def _pairs(text: str) -> dict[str, str]:
    """'a = b | c = d' as {a: b, c: d}."""
    return {k.strip(): v.strip() for k, v in (p.split("=") for p in text.split("|"))}


# Abbreviations inside names, each read as the words it stands for.
WORDS: dict[str, str] = _pairs(
    "no = number | num = number | nbr = number | dt = date | dc = discharge | tx = treatment | hrs = hours"
    " | hr = hours | wk = week | pw = per week | appt = appointment | appts = appointment | mtg = meeting"
    " | mtgs = meeting | eng = engagement | emp = employed | conf = confidence | qual = qualification"
    " | quals = qualification | eth = ethnicity | src = source | ref = referral | yr = years | yrs = years"
    " | svc = service | srv = service | dob = date of birth | la = local authority | es = employment specialist"
    " | f2f = face to face | tel = telephone | ae = a and e | accom = accommodation | subst = substance"
    " | ben = benefit | conv = conviction | stat = status | prim = primary | addr = address"
)

# Usual local labels for the standard's codes, per standard column; "*" is for every yes/no column.
# A few Welsh words too: systems in Wales (NHS Wales, Welsh councils) store answers given through
# their Welsh interface in Welsh.
CODE_NAMES: dict[str, dict[str, str]] = {
    "*": {
        "yes": "yes | y | true | t | 1 | ticked | x | correct | ie | oes | do | ydy | ydw",
        "no": "no | n | false | f | 0 | none | nac oes | naddo | nac ydy | nac ydw",
    },
    "attended": {
        "yes": "attended | seen | arrived | present | kept | attended seen | yes attended",
        "no": "dna | did not attend | not attended | no show | cancelled | canceled | missed | cna"
        " | could not attend | client cancelled | cancelled by client | failed to attend | unseen"
        " | uta | unable to attend | wna | was not brought | not seen | no-show | did not arrive"
        " | rescheduled | cancelled by worker | cancelled by staff | apologies | rearranged | postponed",
    },
    "employed_at_referral": {
        "yes": "employed | in work | working | in employment | job retention",
        "no": "unemployed | not working | out of work | not employed | not in work | economically inactive"
        " | inactive | student | in education | full time education | retired | long term sick | sick"
        " | disabled | unable to work | carer | looking after family | looking after home | homemaker"
        " | jobseeker | job seeker | seeking work | volunteer | voluntary work",
    },
    "self_employed": {"yes": "self employed | own business", "no": "employed | employee | paye"},
    "co_located": {"yes": "co located | colocated | based in team", "no": "separate | not co located"},
    "face_to_face": {
        "yes": "face to face | f2f | in person | visit | site visit | meeting",
        "no": "phone | telephone | email | online | video | letter | call | phone call | video call | ms teams"
        " | zoom | virtual | text | sms | text message | whatsapp",
    },
    "referral_source": {
        "drug_alcohol_service": "drug and alcohol service | drug alcohol service | dat | das | treatment service"
        " | substance misuse service | substance use service | recovery service | treatment team | keyworker"
        " | drug service | alcohol service | sud treatment | treatment provider | drug and alcohol team",
        "self": "self | self referral | self referred | client | walk in | word of mouth | heard about us"
        " | own initiative",
        "gp_health": "gp | health | nhs | primary care | mental health | mental health team | hospital"
        " | health service | doctor | cmht",
        "criminal_justice": "probation | police | prison | cjs | criminal justice | court | liaison and diversion"
        " | youth offending | parole | crc",
        "jobcentre": "jobcentre | jobcentre plus | jcp | dwp | job centre | work coach | job center"
        " | employment office",
        "other": "other | housing | charity | family | friend | voluntary sector | community",
        "unknown": "unknown | not known | not recorded | missing | not stated",
    },
    "discharge_reason": {
        "support_complete": "support complete | completed | planned exit | planned | job sustained"
        " | completed support | goals met | sustained employment | complete | no longer needs support"
        " | completed no longer needs support | no longer requires support | support no longer needed",
        "disengaged": "disengaged | lost contact | did not engage | unplanned exit | no contact | dropped out"
        " | non engagement | stopped attending",
        "moved_away": "moved | moved away | moved out of area | relocated | left area | moved area",
        "declined": "declined | declined service | withdrew | refused | refused services | withdrawn"
        " | no longer wanted support | opted out",
        "other": "other | custody | prison | incarcerated | deceased | died | hospital | ill health"
        " | transferred",
        "unknown": "unknown | not known | not recorded",
    },
    "sex": {
        "female": "female | f | woman | girl | benyw | menyw",
        "male": "male | m | man | boy | gwryw",
        "other": "other | non binary | nonbinary | x | another | in another way",
        "unknown": "unknown | u | not known | prefer not to say | not stated | declined | not recorded"
        " | anhysbys | heb ei gofnodi",
    },
    "ethnicity": {
        "white": "white | white british | white irish | white other | any other white | w brit | w other"
        " | wb | wo | caucasian | gypsy or irish traveller",
        "mixed": "mixed | mixed multiple | multiple | multiracial | mixed race | two or more races"
        " | mixed white and black | mixed white and asian | any other mixed | other mixed | mixed other"
        " | any other mixed background | other mixed background",
        "asian": "asian | asian british | indian | pakistani | bangladeshi | chinese | any other asian",
        "black": "black | black british | black caribbean | black african | blk carib | blk afr"
        " | african american | any other black",
        "other": "other | arab | any other | other ethnic group | any other ethnic group",
        "unknown": "unknown | not stated | not known | prefer not to say | declined | refused | n s",
    },
    "main_substance": {
        "alcohol": "alcohol | alc | drink | etoh",
        "opiates": "opiates | opioids | opiate | opioid | heroin | methadone | illicit opiates",
        "crack": "crack | crack cocaine",
        "cocaine": "cocaine | powder cocaine | coke",
        "cannabis": "cannabis | marijuana | weed | skunk",
        "other": "other | benzodiazepines | benzos | amphetamines | meth | methamphetamine | ketamine"
        " | spice | new psychoactive substances | other drug",
        "unknown": "unknown | not known | not stated",
    },
    "treatment_status": {
        "in_treatment": "in treatment | in tx | active | current | open to treatment | engaged in treatment",
        "completed_treatment": "completed treatment | completed | completed tx | successfully completed"
        " | discharged completed | treatment complete",
        "not_in_treatment": "not in treatment | not in tx | left treatment | dropped out | not engaged"
        " | no treatment | none | awaiting assessment | awaiting treatment | waiting list | on waiting list"
        " | awaiting start | not yet in treatment",
        "unknown": "unknown | not known",
    },
    "time_since_last_job": {
        "never_worked": "never worked | never | never employed",
        "under_1y": "under 1 year | under 1 years | less than 1 year | under a year | under 12 months"
        " | 0 1 years | within last year | 6 12 months | 6 to 12 months | under 6 months | less than 6 months"
        " | 0 6 months | 0 12 months | 3 6 months | 0 3 months",
        "1_to_2y": "1 to 2 years | 1 2 years | 1 2 year | between 1 and 2 years | 12 24 months",
        "2_to_5y": "2 to 5 years | 2 5 years | between 2 and 5 years",
        "5_to_10y": "5 to 10 years | 5 10 years | between 5 and 10 years",
        "over_10y": "over 10 years | 10 plus years | more than 10 years | 10 years plus | over ten years",
        "unknown": "unknown | not known",
    },
    "benefits": {
        "out_of_work": "out of work | esa | jsa | universal credit | uc | income support | out of work benefits"
        " | employment and support allowance | jobseekers allowance | jobseeker allowance | incapacity benefit"
        " | ib | new style esa | new style jsa | esa support group | esa wrag | uc lcwra | uc not working"
        " | severe disablement allowance | sda | no work related requirements | uc no work related requirements"
        " | searching for work | work search | intensive work search | limited capability for work"
        " | limited capability for work related activity | lcwra | lcw | work preparation"
        # Universal Credit's conditionality groups other than 'working enough': out of work
        " | no work requirements | uc no work requirements | universal credit no work requirements"
        " | universal credit no work related requirements | preparing for work | planning for work"
        " | work focused interview | work focused interview only | all work related requirements"
        " | uc searching for work | uc preparing for work | uc planning for work | not in work"
        " | uc not in work | universal credit not in work | universal credit not working"
        " | esa work related activity group | work related activity group | wrag | support group",
        "in_work": "in work | working tax credit | wtc | in work benefits | uc in work | uc working"
        " | universal credit in work | universal credit working | working enough | uc working enough"
        " | universal credit working enough | earnings top up | uc earnings top up | in work top up",
        "none": "none | no benefits | not claiming | nil | no benefit",
        "unknown": "unknown | not known",
    },
    "housing_tenure": {
        "owner": "owner | owner occupier | owns home | homeowner | mortgage | owned",
        "social_rent": "social rent | council | housing association | social housing | ha | council tenant"
        " | local authority housing",
        "private_rent": "private rent | private | private rented | private landlord | private tenant",
        "supported_temporary": "supported temporary | supported housing | supported | hostel | temporary"
        " | temporary accommodation | b and b | refuge | approved premises | probation hostel | bail hostel"
        " | bail accommodation | cas3 | exempt accommodation | move on accommodation | rehab | residential rehab"
        " | residential treatment | night shelter | emergency accommodation",
        "homeless": "homeless | nfa | no fixed abode | rough sleeping | sofa surfing | street homeless",
        "other": "other | family friends | living with family | with family | with friends | lodger",
        "unknown": "unknown | not known",
    },
    "highest_qualification": {
        "none": "none | no qualifications | no quals | nil",
        "level_1_2": "level 1 2 | level 1 | level 2 | l1 2 | gcse | gcses | nvq 1 | nvq 2 | entry level | cse"
        " | o level",
        "level_3": "level 3 | l3 | a level | a levels | nvq 3 | btec national",
        "level_4_plus": "level 4 plus | level 4 | degree | university | l4 | higher education | postgraduate"
        " | masters | hnd | foundation degree",
        "other": "other | overseas qualification | foreign qualification",
        "unknown": "unknown | not known",
    },
    "mode": {
        "face_to_face": "face to face | f2f | in person | office visit | home visit | outreach | visit",
        "phone": "phone | telephone | tel | call | phone call",
        "video": "video | video call | teams | ms teams | zoom | online | virtual",
        "other": "other | email | text | sms | letter",
    },
    "integration_strength": {
        "strong": "strong | high | good | fully integrated | full | embedded | fully embedded | integrated",
        "moderate": "moderate | medium | partial | partly integrated | fair | partly embedded | some",
        "weak": "weak | low | poor | limited | not integrated | minimal | referral only | none",
    },
    "group": {
        "ips": "ips | treatment | intervention | referred | treated",
        "comparison": "comparison | control | not referred | tau | treatment as usual | untreated",
    },
}

# Codes that take precedence when a label names two ('Heroin & crack', 'Opiates and crack'): an
# opiate and crack user is counted under opiates, as NDTMS counts substances.
CODE_PRECEDENCE: dict[str, tuple[str, ...]] = {"main_substance": ("opiates", "crack", "cocaine")}

# Labels in an event's columns (a meeting's outcome or contact type, an employer contact's kind) that
# say the row is no event that took place: a booking not yet due, a note or admin entry. Proposed as
# leave_out (the row is left out, counted apart), to check.
LEAVE_OUT_COLUMNS = ("attended", "mode", "face_to_face")
LEAVE_OUT_NAMES = (
    "booked | booking | scheduled | future | future appointment | not yet due | pending | planned"
    " | provisional | pencilled | pencilled in | penciled in | tentative | to be arranged | upcoming"
    " | case note | note | note only | notes | file note | admin | administration | admin only | admin task"
    " | record only | test | test record | dummy"
)
LEAVE_OUT_CONFIDENCE = 0.6

# Coded columns whose codes are levels of one scale, best first: a RAG rating (green, amber, red) is
# read onto them, green the best level, red the worst, amber the middle one (to check).
ORDERED_CODES: dict[str, tuple[str, ...]] = {"integration_strength": ("strong", "moderate", "weak")}
RAG_WORDS = ("green", "amber", "red")  # best to worst
RAG_CONFIDENCE = 0.7

# Labels that fit a code only as a judgement: proposed at JUDGEMENT confidence (so marked CHECK)
# with the note saying why. UK disability and carer's benefits are not out-of-work benefits: a client
# on one alone has no out-of-work benefit.
JUDGEMENT = 0.5
JUDGED_CODE_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "attended": {
        "yes": (
            "completed | complete | done",
            "a completed appointment was held; but an activity log also completes tasks and calls that are"
            " no meetings: check which rows it marks",
        ),
    },
    "time_since_last_job": {
        "under_1y": (
            "in work | currently employed | currently working | employed | working | in employment",
            "in work when referred: the last job is the current one (under a year), unless you read it as unknown",
        ),
    },
    "*": {  # every yes/no column
        "no": ("na", "Welsh for no; but NA often means not available (blank): check which this export means"),
    },
    "benefits": {
        "in_work": (
            "light touch | uc light touch | universal credit light touch",
            "Universal Credit's light-touch group: working, on low earnings (in work), unless it holds"
            " others here",
        ),
        "none": (
            "pip | pip only | dla | dla only | personal independence payment | disability living allowance"
            " | carers allowance | carer allowance | carers | attendance allowance | child benefit"
            " | pip or dla | dla or pip | disability benefit | disability benefits | carer s allowance",
            "a disability or carer's benefit, not an out-of-work benefit: none (no out-of-work benefit) proposed",
        ),
    },
}

# Labels that mean the value was not recorded. A column whose codes include one of NOT_RECORDED_CODES
# takes that code; any other column (yes/no, mode...) maps such a label to "" (read as blank).
NOT_RECORDED = (
    "unknown | not known | nk | n k | not stated | n s | ns | don t know | dont know | do not know"
    " | prefer not to say | preferred not to say | not asked | not recorded | unrecorded | missing"
    " | not disclosed | not given | not provided | declined to answer | declined to say | refused to answer"
    " | no answer | no response | not answered | unanswered | blank | tbc | to be confirmed"
    " | not collected | not available | information not available | unsure"
    " | not sure | can t remember | cannot remember | cant remember | can t recall | cannot recall | don t remember"
)
NOT_RECORDED_CODES = ("unknown", "not_stated", "not_known", "not_recorded", "prefer_not_to_say")

# Qualifiers that set part of a label aside ('Opiates (non-heroin)', 'Cocaine - not crack',
# 'Opioids other than heroin'): what is left is matched, less surely.
QUALIFIER_WORDS = (
    "non | not | excluding | excl | exc | except | other than | without | ex | besides | but not"
)

# Usual labels for the built-in wellbeing measures (TOP and SURE) and instruments.
CODE_NAMES["measure"] = {
    "psychological_health": "psychological health | psychological wellbeing | psych health | mental health"
    " | psychological | emotional wellbeing | psychological health rating",
    "physical_health": "physical health | physical wellbeing | phys health | physical | physical health rating",
    "quality_of_life": "quality of life | overall quality of life | qol | quality life | quality of life rating",
    "days_alcohol": "days alcohol | days drinking | days drinking alcohol | days used alcohol | alcohol days"
    " | alcohol | drinking days | days using alcohol | alcohol use days",
    "days_opiates": "days opiates | days using opiates | days used opiates | days heroin | heroin | opiates"
    " | illicit opiates | days used heroin | days opioids | opioids | opiate days",
    "days_crack": "days crack | days using crack | days used crack | crack | crack cocaine | crack days"
    " | days used crack cocaine | days using crack cocaine | days crack cocaine",
    "days_cocaine": "days cocaine | days using cocaine | days used cocaine | cocaine | powder cocaine"
    " | cocaine days",
    "days_cannabis": "days cannabis | days using cannabis | days used cannabis | cannabis | cannabis days",
    "days_other": "days other | days other drugs | days using other drugs | days used other drugs"
    " | days used other | other drugs | other drug | other drug days | other days",
    "substance_use": "substance use | drug and alcohol use | drug use | alcohol and drug use | drugs and alcohol"
    " | using drugs and alcohol | substance misuse",
    "self_care": "self care | looking after yourself | looking after myself | self-care",
    "relationships": "relationships | family and relationships | social relationships | relationship",
    "material_resources": "material resources | resources | material | practical resources",
    "outlook_on_life": "outlook on life | outlook | attitude to life | hope",
    "total": "total | total score | sure total | overall | overall score | sure total score | sum"
    " | wemwbs total | wemwbs score | swemwbs total | total 14 70 | total 7 35",
}
CODE_NAMES["instrument"] = {
    "top": "top | treatment outcomes profile | treatment outcome profile | tops",
    "sure": "sure | substance use recovery evaluator | sure questionnaire",
    "wemwbs": "wemwbs | warwick edinburgh | warwick edinburgh mental wellbeing scale | wemwbs 14",
    "swemwbs": "swemwbs | short wemwbs | short warwick edinburgh | wemwbs 7",
}
# Words inside a measure's label that name its instrument ('SURE total', 'TOP psychological health').
INSTRUMENT_WORDS = frozenset({"top", "sure", "tops", "wemwbs", "swemwbs"})

# Abbreviations and symbols inside local codes, read out before matching.
CODE_WORDS: dict[str, str] = _pairs(
    "svc = service | srv = service | ref = referral | tx = treatment | trt = treatment | yrs = years | yr = year"
    " | mths = months | f2f = face to face | tel = telephone | < = under | > = over | + = plus | & = and | @ = at"
)

# UK census (2001/2011) and NHS ethnic category codes as exports write them: code -> (standard code,
# what the code stands for). Four-letter codes (DfE/census style) are unambiguous and proposed as usual
# labels; NS, NSTA, NOBT, REFU and the like mean not recorded.
_ETHNICITY_CODE_TEXT = (
    "WBRI = white: White British | WENG = white: White English | WSCO = white: White Scottish"
    " | WWEL = white: White Welsh | WNIR = white: White Northern Irish | WCOR = white: White Cornish"
    " | WIRI = white: White Irish | WIRT = white: Traveller of Irish heritage"
    " | WROM = white: Gypsy or Roma | WGYP = white: Gypsy or Irish Traveller"
    " | WOTH = white: any other White background | WEUR = white: White European"
    " | MWBC = mixed: Mixed White and Black Caribbean | MWBA = mixed: Mixed White and Black African"
    " | MWAS = mixed: Mixed White and Asian | MOTH = mixed: any other Mixed background"
    " | AIND = asian: Asian Indian | APKN = asian: Asian Pakistani | ABAN = asian: Asian Bangladeshi"
    " | ACHN = asian: Asian Chinese | AOTH = asian: any other Asian background"
    " | BCRB = black: Black Caribbean | BAFR = black: Black African"
    " | BOTH = black: any other Black background"
    " | OARB = other: Arab | OOTH = other: any other ethnic group | OOEG = other: any other ethnic group"
    " | NS = unknown: not stated | NSTA = unknown: not stated | NOBT = unknown: not obtained"
    " | REFU = unknown: refused | NK = unknown: not known | NKNW = unknown: not known"
    " | UNKN = unknown: unknown"
)
ETHNICITY_CODES: dict[str, tuple[str, str]] = {
    k.strip(): (v.split(":")[0].strip(), v.split(":")[1].strip())
    for k, v in (p.split("=") for p in _ETHNICITY_CODE_TEXT.split("|"))
}
ETHNICITY_CODE_CONFIDENCE = 0.95
# Chinese: Asian in the 2011 census, grouped with 'other ethnic groups' in the 2001 census and the NHS
# categories; proposed as asian (as 'Chinese' is) but marked to check.
ETHNICITY_JUDGED: dict[str, tuple[str, str]] = {
    "CHNE": ("asian", "Chinese: Asian in the 2011 census, 'other' in the 2001 census: asian proposed"),
}

# Single-letter ethnicity schemes, used only when most of a column's cells are single letters and
# every letter in it belongs to one scheme (a lone 'A' could be British, Asian or anything else).
# The NHS ethnic category (Data Dictionary, 2001 census based, '18+1'): letter -> (code, meaning).
ETHNICITY_NHS_LETTERS: dict[str, tuple[str, str]] = {
    "A": ("white", "White British"), "B": ("white", "White Irish"), "C": ("white", "any other White background"),
    "D": ("mixed", "Mixed White and Black Caribbean"), "E": ("mixed", "Mixed White and Black African"),
    "F": ("mixed", "Mixed White and Asian"), "G": ("mixed", "any other Mixed background"),
    "H": ("asian", "Asian Indian"), "J": ("asian", "Asian Pakistani"), "K": ("asian", "Asian Bangladeshi"),
    "L": ("asian", "any other Asian background"), "M": ("black", "Black Caribbean"),
    "N": ("black", "Black African"), "P": ("black", "any other Black background"),
    "R": ("asian", "Chinese (asian as in the 2011 census; the NHS groups it with other)"),
    "S": ("other", "any other ethnic group"), "Z": ("unknown", "not stated"),
}  # fmt: skip
ETHNICITY_NHS_CONFIDENCE = 0.75  # marked CHECK: the scheme is inferred from the letters
ETHNICITY_NHS_JUDGED = frozenset({"R"})  # proposed at JUDGEMENT
# Initials of the broad groups (W, M, A, B, O): taken when the letters include W or O, which the NHS
# scheme does not use.
ETHNICITY_INITIALS: dict[str, tuple[str, str]] = {
    "W": ("white", "White"), "M": ("mixed", "Mixed"), "A": ("asian", "Asian"), "B": ("black", "Black"),
    "O": ("other", "Other"), "U": ("unknown", "unknown"),
}  # fmt: skip
ETHNICITY_INITIALS_CONFIDENCE = 0.7
