# ruff: noqa: E501 -- the documents' examples, verbatim
"""The examples of IS24's documents 000, 001 and 002, verbatim: the dialect's OpenAPI document (openapi.py)
shows them, and the tests send them (substituting the ids they got)."""

# 000: create upload ticket
TICKET_REQUEST = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:uploadTicketRequest xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0">
  <attachmentContentType>image/jpeg</attachmentContentType>
</ns2:uploadTicketRequest>""",
    "json": """{
  "realestateproject.uploadTicketRequest": {
    "attachmentContentType": "image/jpeg"
  }
}""",
}

TICKET = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:uploadTicket xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0">
  <url>https://s3-eu-west-1.amazonaws.com/bucket-name</url>
  <attachmentId>7cc1979e-ea6e-4f57-b177-a2287e5cc1db</attachmentId>
  <fields>
    <field key="key" value="12345/7a436fae-a0db-4b5f-af10-8e593d46d5ae.jpg"/>
    <field key="acl" value="public-read"/>
    <field key="content-type" value="image/jpeg"/>
    <field key="x-amz-server-side-encryption" value="AES256"/>
    <field key="x-amz-credential" value="AWS_ACCESS_KEY/20201109/eu-west-1/s3/aws4_request"/>
    <field key="x-amz-algorithm" value="AWS4-HMAC-SHA256"/>
    <field key="x-amz-date" value="20201109T000000Z"/>
    <field key="x-amz-signature" value="c8a0ffd7791608ac107893ba4fe96f3dbbe737d770f1f7eb0f24487b3235aeb2"/>
    <field key="policy" value="eyAiZXhwaX..."/>
    <field key="x-amz-security-token" value="FwoGZ..."/>
  </fields>
</ns2:uploadTicket>""",
    "json": r"""{
  "realestateproject.uploadTicket": {
    "url": "https:\/\/s3-eu-west-1.amazonaws.com\/bucket-name",
    "attachmentId": "7cc1979e-ea6e-4f57-b177-a2287e5cc1db",
    "fields": [
      {
        "field": [
          {
            "@key": "key",
            "@value": "12345\/7a436fae-a0db-4b5f-af10-8e593d46d5ae.jpg"
          },
          {
            "@key": "acl",
            "@value": "public-read"
          },
          {
            "@key": "content-type",
            "@value": "image\/jpeg"
          },
          {
            "@key": "x-amz-server-side-encryption",
            "@value": "AES256"
          },
          {
            "@key": "x-amz-credential",
            "@value": "AWS_ACCESS_KEY\/20201109\/eu-west-1\/s3\/aws4_request"
          },
          {
            "@key": "x-amz-algorithm",
            "@value": "AWS4-HMAC-SHA256"
          },
          {
            "@key": "x-amz-date",
            "@value": "20201109T000000Z"
          },
          {
            "@key": "x-amz-signature",
            "@value": "c8a0ffd7791608ac107893ba4fe96f3dbbe737d770f1f7eb0f24487b3235aeb2"
          },
          {
            "@key": "policy",
            "@value": "eyAiZXhwaX..."
          },
          {
            "@key": "x-amz-security-token",
            "@value": "FwoGZ..."
          }
        ]
      }
    ]
  }
}""",
}

TICKET_CONTENT_TYPE_MISSING = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<common:messages
    xmlns:common="http://rest.immobilienscout24.de/schema/common/1.0"
    xmlns:gis="http://rest.immobilienscout24.de/schema/platform/gis/1.0">
    <message>
        <messageCode>ERROR_RESOURCE_VALIDATION</messageCode>
        <message>Error while validating input for the resource. [MESSAGE: attachmentContentType : null : MANDATORY_FIELD_EMPTY]</message>
    </message>
</common:messages>""",
    "json": """{
    "common.messages": [
        {
            "message": {
                "messageCode": "ERROR_RESOURCE_VALIDATION",
                "message": "Error while validating input for the resource. [MESSAGE: attachmentContentType : null : MANDATORY_FIELD_EMPTY]"
            }
        }
    ]
}""",
}

# 001: assign attachment
PICTURE = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:attachment xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:type="ns2:Picture" id="ac050ef7-f6e2-4451-8276-6206ba4fd653">
  <pictureType>IMAGE</pictureType>
  <title>some title</title>
</ns2:attachment>""",
    "json": """{
  "realestateproject.attachment": {
    "@xsi.type": "realestateproject:Picture",
    "@id": "ac050ef7-f6e2-4451-8276-6206ba4fd653",
    "pictureType": "IMAGE",
    "title": "some title"
  }
}""",
}
PICTURE_ID = "ac050ef7-f6e2-4451-8276-6206ba4fd653"

PDF = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:attachment xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:type="ns2:PDFDocument" id="c48cf855-b328-4679-abb8-b6bbf5492114">
  <pdfDocumentType>BROCHURE</pdfDocumentType>
</ns2:attachment>""",
    "json": """{
  "realestateproject.attachment": {
    "@xsi.type": "realestateproject:PDFDocument",
    "@id": "c48cf855-b328-4679-abb8-b6bbf5492114",
    "pdfDocumentType": "BROCHURE"
  }
}""",
}
PDF_ID = "c48cf855-b328-4679-abb8-b6bbf5492114"

LINK = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:attachment xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:type="ns2:Link">
  <url>https://virtualtours.immobilienscout24.de/portal/tour/1234</url>                
  <linkType>VIRTUAL_TOUR</linkType>
</ns2:attachment>""",
    "json": r"""{
  "realestateproject.attachment": {
    "@xsi.type": "realestateproject:Link",
    "url": "https:\/\/virtualtours.immobilienscout24.de\/portal\/tour\/1234",
    "linkType": "VIRTUAL_TOUR"
  }
}""",
}

CREATED = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<common:messages xmlns:common="http://rest.immobilienscout24.de/schema/common/1.0"
                 xmlns:gis="http://rest.immobilienscout24.de/schema/platform/gis/1.0">
  <message>
    <messageCode>MESSAGE_RESOURCE_CREATED</messageCode>
    <message>Resource [attachment] with id [ac050ef7-f6e2-4451-8276-6206ba4fd653] has been created.</message>
    <id>ac050ef7-f6e2-4451-8276-6206ba4fd653</id>
  </message>
</common:messages>""",
    "json": """{
  "common.messages": [
    {
      "message": {
        "messageCode": "MESSAGE_RESOURCE_CREATED",
        "message": "Resource [attachment] with id [ac050ef7-f6e2-4451-8276-6206ba4fd653] has been created.",
        "id": "ac050ef7-f6e2-4451-8276-6206ba4fd653"
      }
    }
  ]
}""",
}
CREATED_LOCATION = (
    "/restapi/api/offer/v1.0/user/me/realestateproject/999/attachment/ac050ef7-f6e2-4451-8276-6206ba4fd653"
)

LINK_EXCEEDED = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<common:messages
    xmlns:common="http://rest.immobilienscout24.de/schema/common/1.0"
    xmlns:gis="http://rest.immobilienscout24.de/schema/platform/gis/1.0">
    <message>
        <messageCode>ERROR_RESOURCE_VALIDATION</messageCode>
        <message>Error while validating input for the resource. [MESSAGE: linkType : VIRTUAL_TOUR : attachment.linkType.numberOfItemsExceeded]</message>
    </message>
</common:messages>""",
    "json": """{
    "common.messages": [
        {
            "message": {
                "messageCode": "ERROR_RESOURCE_VALIDATION",
                "message": "Error while validating input for the resource. [MESSAGE: linkType : VIRTUAL_TOUR : attachment.linkType.numberOfItemsExceeded]"
            }
        }
    ]
}""",
}

OTHER_CONTRACT_MESSAGES = [
    "Error while validating input for the resource. [MESSAGE: pdfDocumentType : BROCHURE : attachment.pdfDocumentType.numberOfItemsExceeded]",
    "Error while validating input for the resource. [MESSAGE: pictureType : COMPANY_LOGO : attachment.pictureType.numberOfItemsExceeded]",
    "Error while validating input for the resource. [MESSAGE: pictureType : PROJECT_LOGO : attachment.pictureType.numberOfItemsExceeded]",
    "Error while validating input for the resource. [MESSAGE: pdfDocumentType : BROCHURE : attachment.pdfDocumentType.deniedForProduct]",
    "Error while validating input for the resource. [MESSAGE: pictureType : COMPANY_LOGO : attachment.pictureType.deniedForProduct]",
    "Error while validating input for the resource. [MESSAGE: pictureType : PROJECT_LOGO : attachment.pictureType.deniedForProduct]",
]

NOT_UPLOADED = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<common:messages
    xmlns:common="http://rest.immobilienscout24.de/schema/common/1.0"
    xmlns:gis="http://rest.immobilienscout24.de/schema/platform/gis/1.0">
    <message>
        <messageCode>ERROR_RESOURCE_NOT_FOUND</messageCode>
        <message>Resource [attachment] with id [2e2a7dd7-f746-4087-ac76-8dbf959d5c78] was not found.</message>
    </message>
</common:messages>""",
    "json": """{
    "common.messages": [
        {
            "message": {
                "messageCode": "ERROR_RESOURCE_NOT_FOUND",
                "message": "Resource [attachment] with id [2e2a7dd7-f746-4087-ac76-8dbf959d5c78] was not found."
            }
        }
    ]
}""",
}
NOT_UPLOADED_ID = "2e2a7dd7-f746-4087-ac76-8dbf959d5c78"

INVALID_PAYLOAD = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<common:messages
    xmlns:common="http://rest.immobilienscout24.de/schema/common/1.0"
    xmlns:gis="http://rest.immobilienscout24.de/schema/platform/gis/1.0">
    <message>
        <messageCode>ERROR_RESOURCE_VALIDATION</messageCode>
        <message>Error while validating input for the resource. [MESSAGE: id : some_invalid_id : LENGTH_EXCEEDED_OR_TOO_SMALL]</message>
    </message>
    <message>
        <messageCode>ERROR_RESOURCE_VALIDATION</messageCode>
        <message>Error while validating input for the resource. [MESSAGE: pictureType : null : MANDATORY_FIELD_EMPTY]</message>
    </message>
</common:messages>""",
    "json": """{
    "common.messages": [
        {
            "message": [
                {
                    "messageCode": "ERROR_RESOURCE_VALIDATION",
                    "message": "Error while validating input for the resource. [MESSAGE: id : some_invalid_id : LENGTH_EXCEEDED_OR_TOO_SMALL]"
                },
                {
                    "messageCode": "ERROR_RESOURCE_VALIDATION",
                    "message": "Error while validating input for the resource. [MESSAGE: pictureType : null : MANDATORY_FIELD_EMPTY]"
                }
            ]
        }
    ]
}""",
}

# 002: order
ORDER_IDS = {
    "picture": "1570d590-0a54-4b61-9dd6-7672795f6a7c",
    "pdf": "e3005d38-5c8e-44b2-bf0c-c8d0c9f710d6",
    "link": "969e82fb-6582-4399-a962-7023b8714b97",
}
ORDER_REQUEST = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:attachmentsOrder xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0">
  <attachmentId>969e82fb-6582-4399-a962-7023b8714b97</attachmentId>
  <attachmentId>e3005d38-5c8e-44b2-bf0c-c8d0c9f710d6</attachmentId>
</ns2:attachmentsOrder>""",
    "json": """{
  "realestateproject.attachmentsOrder": {
    "attachmentId": [
      "969e82fb-6582-4399-a962-7023b8714b97",
      "e3005d38-5c8e-44b2-bf0c-c8d0c9f710d6"
    ]
  }
}""",
}
ORDER_RESPONSE = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns2:attachmentsOrder xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0">
  <attachmentId>e3005d38-5c8e-44b2-bf0c-c8d0c9f710d6</attachmentId>
  <attachmentId>1570d590-0a54-4b61-9dd6-7672795f6a7c</attachmentId>
</ns2:attachmentsOrder>""",
    "json": """{
  "realestateproject.attachmentsOrder": {
    "attachmentId": [
      "e3005d38-5c8e-44b2-bf0c-c8d0c9f710d6",
      "1570d590-0a54-4b61-9dd6-7672795f6a7c"
    ]
  }
}""",
}
ORDER_INVALID = {
    "xml": """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<common:messages
    xmlns:common="http://rest.immobilienscout24.de/schema/common/1.0"
    xmlns:gis="http://rest.immobilienscout24.de/schema/platform/gis/1.0">
    <message>
        <messageCode>ERROR_RESOURCE_VALIDATION</messageCode>
        <message>Error while validating input for the resource. [MESSAGE: attachmentIds : [invalid_attachment_id_1, invalid_attachment_id_2] : LENGTH_EXCEEDED_OR_TOO_SMALL]</message>
    </message>
</common:messages>""",
    "json": """{
    "common.messages": [
        {
            "message": {
                "messageCode": "ERROR_RESOURCE_VALIDATION",
                "message": "Error while validating input for the resource. [MESSAGE: attachmentIds : [invalid_attachment_id_1, invalid_attachment_id_2] : LENGTH_EXCEEDED_OR_TOO_SMALL]"
            }
        }
    ]
}""",
}
