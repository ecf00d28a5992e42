"""The names, places and mixes a data profile draws from (profiles/__init__.py)."""
from __future__ import annotations

import re
from decimal import Decimal

BIG = [("Acme Industrial", None, 16.5, 5.0, 35.0),  # the demo company: always the biggest
       ("Northwind Traders", "atrium-us", 13.0, 3.5, 10.0), ("Contoso Manufacturing", "atrium-us", 12.0, 3.5, 10.0),
       ("Fabrikam Systems", "atrium-de", 11.5, 3.5, 10.0)]
MEDIUM = (8.0, 5.0, 10.0)  # shared by 2% of the new companies
SMALL = (39.0, 79.5, 25.0)  # shared by the rest, each by a random size

FIRST = ("Anna Ben Clara David Elena Felix Greta Hugo Ines Jonas Karin Lukas Marta Noah Olga Paul Rosa Simon Tara "
         "Uwe Vera Xenia Yusuf Zoe Aiko Bruno Chloe Diego Emma Farah Hana Ivan Jana Kofi Lea Mateo Nina Omar Pia "
         "Rafael Sofia Tomas Ulla Viktor Wanda Yara Amir Bianca Carlos Dana Erik Fiona Goran Helga Julia Kenji").split()
LAST = ("Schmidt Meyer Weber Fischer Wagner Becker Hoffmann Koch Richter Klein Wolf Neumann Schwarz Braun Zimmer "
        "Lange Krause Smith Johnson Brown Miller Davis Garcia Wilson Moore Taylor Clark Lewis Walker Young King "
        "Wright Scott Green Baker Adams Nelson Hill Rossi Russo Ferrari Bianchi Dubois Laurent Moreau Jansen Visser "
        "Novak Horvat Kowalski Nowak Silva Santos Costa Tanaka Sato Kim Lee Park Chen Wang Singh Patel Khan Ali "
        "Hansen Larsen Berg Lund Virtanen").split()
FIRM_WORDS = ("Alder Amber Apex Arrow Aspen Atlas Beacon Birch Boreal Bright Cedar Cobalt Coral Crest Delta Echo Ember "
              "Falcon Fjord Granite Harbor Helix Iron Juniper Keystone Lakeside Linden Maple Meridian Nordic Oak "
              "Orion Pioneer Quarry Redwood Ridge River Sable Summit Terra Tidal Vanguard Vertex Willow").split()
QUALIFIERS = "Precision United Global Industrial Advanced Northern Coastal Alpine Continental".split()
SECTORS = ("Logistics Tooling Foods Systems Components Engineering Supply Metals Plastics Textiles Pharma Energy "
           "Robotics Packaging Hydraulics Electrics Optics Chemicals Timber Freight Medical Labs Motors Fasteners "
           "Ceramics Print Agro Marine Aero Controls").split()
LEGAL = {"DE": ["GmbH", "AG", "GmbH & Co. KG"], "US": ["Inc.", "LLC", "Corp."]}
CITIES = {"DE": [("Berlin", "10115"), ("Hamburg", "20095"), ("Munich", "80331"), ("Cologne", "50667"),
                 ("Frankfurt", "60311"), ("Stuttgart", "70173"), ("Leipzig", "04109"), ("Dresden", "01067")],
          "US": [("Chicago", "60601"), ("Houston", "77002"), ("Denver", "80202"), ("Seattle", "98101"),
                 ("Atlanta", "30303"), ("Boston", "02108"), ("Austin", "78701"), ("Detroit", "48226")]}
STREETS = "Harbour Road|Mill Lane|Station Street|Park Avenue|Canal Street|Market Square|Industrial Way".split("|")
REGIONS = "North South East West Central Europe Americas Asia-Pacific".split()
SITES = ("Lyon Turin Porto Ghent Gdansk Brno Malmo Tampere Leeds Cork Bilbao Graz Basel Lille Bremen Aarhus Utrecht "
         "Toledo Dayton Tulsa Reno Boise Fresno Omaha Akron Laredo Tacoma Mobile Madison Spokane").split()
DEPARTMENTS = "Maintenance Purchasing Logistics Engineering Quality Finance IT Facilities Production Safety".split()
BUDGETS = [(Decimal(1000), "monthly"), (Decimal(5000), "quarterly"), (Decimal(20000), "yearly")]

#: audit actions that templates/shared/audit.html describes: what each is about, how often it happens
AUDIT_MIX = {
    "user.created": ("user", 16), "user.roles_changed": ("user", 8), "user.budget_changed": ("user", 6),
    "user.business_unit_changed": ("user", 6), "user.profile_updated": ("user", 8), "user.activated": ("user", 2),
    "user.deactivated": ("user", 2), "account.password_changed": ("user", 8), "shop.assigned": ("user", 8),
    "shop.enabled": ("user", 3), "shop.disabled": ("user", 1), "invitation.sent": ("invitation", 12),
    "invitation.resent": ("invitation", 3), "invitation.revoked": ("invitation", 2),
    "invitation.accepted": ("user", 4), "company.updated": ("company", 2), "business_unit.added": ("unit", 3),
    "business_unit.updated": ("unit", 1), "address.added": ("address", 2), "address.updated": ("address", 1),
}
TARGET_TYPES = {"user": "CompanyUser", "invitation": "Invitation", "company": "Company", "unit": "BusinessUnit",
                "address": "Address"}
BY_THEMSELVES = {"account.password_changed", "user.profile_updated", "invitation.accepted"}
BY_STAFF = {"shop.enabled", "shop.disabled", "company.updated"}


def slug(name: str) -> str:
    """A name as a domain label: "Acme Industrial" -> "acme-industrial"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

#: the profile's catalog (profiles/catalog.py): SKU prefix, product, unit, type key, base price range in EUR
PRODUCT_KINDS = [
    ("HB", "Hex bolt", "piece", "standard", 0.1, 2), ("NUT", "Hex nut", "piece", "standard", 0.05, 1),
    ("WSH", "Washer", "piece", "standard", 0.02, 0.5), ("SCR", "Wood screws", "box", "standard", 3, 25),
    ("ANC", "Wall anchors", "box", "standard", 4, 30), ("GLV", "Safety gloves", "pair", "standard", 2, 15),
    ("GOG", "Safety goggles", "piece", "standard", 5, 30), ("TAPE", "Adhesive tape", "roll", "standard", 2, 12),
    ("CBL", "Installation cable", "roll", "standard", 40, 250), ("LMP", "LED work lamp", "piece", "standard", 25, 180),
    ("DRL", "Cordless drill", "piece", "standard", 80, 450), ("BIT", "Drill bit set", "set", "standard", 10, 90),
    ("PMP", "Centrifugal pump", "piece", "standard", 300, 2500), ("FLT", "Filter cartridge", "piece", "standard", 10, 80),
    ("OIL", "Hydraulic oil", "can", "standard", 15, 120), ("BRG", "Ball bearing", "piece", "standard", 3, 60),
    ("VLV", "Ball valve", "piece", "standard", 8, 140), ("HSE", "Pressure hose", "piece", "standard", 12, 95),
    ("SVC", "Maintenance visit", "visit", "service", 150, 900), ("INS", "Safety inspection", "visit", "service", 200, 800),
]
PRODUCT_VARIANTS = ("M6 M8 M10 M12 M16 S M L XL 10mm 25mm 50mm 1/2in 3/4in 5l 20l 2kW 4kW 200l/min 400l/min "
                    "Type-A Type-B Type-C").split()
PRODUCT_FINISHES = ["zinc plated", "stainless", "galvanised", "black", "heavy duty", "compact", "industrial",
                    "food grade", "anti-static", "outdoor"]
#: customer groups that get price lists of their own in the profile: group, list name, share of the base price
GROUP_PRICES = [("wholesale", "Wholesale prices", "0.92"), ("key_accounts", "Key account prices", "0.88")]
