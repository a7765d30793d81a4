"""The agreement texts Accord ships (Django template syntax). Version 1 is seeded by migration
0002, version 2 (room for legal's conditions) by 0006; the newest is recreated by
`terms.current_template()` if the table was emptied (e.g. a flushed test database)."""

TERMS_V1 = """DATA ACCESS AGREEMENT (terms version {{ version }})

Between {{ providers }} (the "Providers") and {{ researcher_name }}{% if organization %} of {{ organization }}{% endif %} (the "Researcher").

1. Project. The Researcher requests access for the project "{{ request.project_title }}".
   Purpose: {{ request.purpose }}

2. Data. Access covers only the scrubbed, approved versions listed here, identified by content hash:
{% for v in versions %}   - {{ v.dataset.title }} v{{ v.number }} from {{ v.dataset.organization }} (sha256 {{ v.scrubbed_sha256|default:"pending" }}), licence {{ v.dataset.license }}{% if v.dataset.use_terms %}, use terms {{ v.dataset.use_terms|join:", " }}{% endif %}
{% endfor %}
3. Permitted uses. Only: {{ uses|join:"; " }}. Any other use requires a new agreement.

4. Term. Access ends no later than {{ request.requested_end_date|date:"Y-m-d" }}, or earlier on the expiry date legal sets on approval, or on revocation.

5. Obligations. The Researcher will not attempt to re-identify any person, will not combine the data with other data to that end, will keep the data within the Accord platform, will honour each dataset's licence and use terms, and will credit the Providers as the attribution ledger states:
{% for line in attribution_lines %}   - {{ line }}
{% endfor %}
6. Revocation. The Providers or their legal counsel may revoke this agreement with a stated reason; training runs that depend on it then stop and their models are marked.

7. Signatures. The Researcher accepts this exact text electronically; its SHA-256 digest, the time, the account and the IP address are recorded. Each Provider's data steward countersigns for its organisation's datasets.
"""

# Version 2: legal's approval conditions become a clause of the signed text. `conditions_clause`
# is rendered by `agreements.terms.conditions_clause` (empty without conditions), so the text the
# researcher accepts names the conditions word for word and the in-force check can find them (G4).
TERMS_V2 = TERMS_V1.replace(
    "7. Signatures.",
    "{% if conditions_clause %}{{ conditions_clause }}\n{% endif %}7. Signatures.",
)

DEFAULT_TERMS = {1: TERMS_V1, 2: TERMS_V2}
LATEST_DEFAULT_VERSION = max(DEFAULT_TERMS)
TERMS_TITLE = "Accord data access agreement"
