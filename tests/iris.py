"""The IRIs of the documents' organisations and sources the tests ask about, named once."""

from derbygraph import vocab

ORG = vocab.ID + "org/"
EVENT = vocab.ID + "event/"
DHCFT = ORG + "derbyshire-healthcare-nhs-foundation-trust"
SOUTHERN = ORG + "southern-derbyshire-mental-health-nhs-trust"
CHCND = ORG + "community-health-care-north-derbyshire-nhs-trust"
DCHS = ORG + "derbyshire-community-health-services-nhs-foundation-trust"
DCHS_2011 = ORG + "derbyshire-community-health-services-standalone-nhs-organisation"
DERBY_CITY_PCT = ORG + "nhs-derby-city"
ENCYCLOPEDIA = vocab.ID + "source/dhcft-encyclopedia"
DCHS_PAGE = vocab.ID + "source/dchs-about-us"
