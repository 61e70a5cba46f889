--- luaforce.emulator.default_schema: the default org's objects, in the
-- schema file format (see luaforce.emulator.schema), as a Lua table.
--
-- Field sets follow Salesforce's standard objects closely enough that
-- scripts written against a real org read naturally here; picklist values
-- are the standard ones. Opportunity stages carry `probability`, `closed`
-- and `won` attributes: IsClosed and IsWon are formulas over them, and the
-- seed data reads the probabilities. Case statuses carry `closed` likewise.

local INDUSTRIES = {
  "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
  "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental",
  "Finance", "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance", "Machinery",
  "Manufacturing", "Media", "Not For Profit", "Recreation", "Retail", "Shipping", "Technology",
  "Telecommunications", "Transportation", "Utilities", "Other",
}

local LEAD_SOURCES = {
  "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other",
}

local SALUTATIONS = { "Mr.", "Ms.", "Mrs.", "Dr.", "Prof." }
local RATINGS = { "Hot", "Warm", "Cold" }

local STAGES = {
  { value = "Prospecting", probability = 10 },
  { value = "Qualification", probability = 10 },
  { value = "Needs Analysis", probability = 20 },
  { value = "Value Proposition", probability = 50 },
  { value = "Id. Decision Makers", probability = 60 },
  { value = "Perception Analysis", probability = 70 },
  { value = "Proposal/Price Quote", probability = 75 },
  { value = "Negotiation/Review", probability = 90 },
  { value = "Closed Won", probability = 100, closed = true, won = true },
  { value = "Closed Lost", probability = 0, closed = true, won = false },
}

local function name_formula() return { join = { "FirstName", "LastName" }, separator = " " } end

return {
  objects = {
    {
      name = "Account", label = "Account", labelPlural = "Accounts", keyPrefix = "001",
      fields = {
        { name = "Name", label = "Account Name", type = "string", length = 255, required = true },
        { name = "Type", label = "Account Type", type = "picklist", values = {
          "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
          "Installation Partner", "Technology Partner", "Other" } },
        { name = "ParentId", label = "Parent Account ID", type = "reference", referenceTo = { "Account" },
          relationshipName = "Parent", childRelationshipName = "ChildAccounts" },
        { name = "BillingStreet", label = "Billing Street", type = "textarea", length = 255 },
        { name = "BillingCity", label = "Billing City", type = "string", length = 40 },
        { name = "BillingState", label = "Billing State/Province", type = "string", length = 80 },
        { name = "BillingPostalCode", label = "Billing Zip/Postal Code", type = "string", length = 20 },
        { name = "BillingCountry", label = "Billing Country", type = "string", length = 80 },
        { name = "ShippingCity", label = "Shipping City", type = "string", length = 40 },
        { name = "ShippingCountry", label = "Shipping Country", type = "string", length = 80 },
        { name = "Phone", label = "Account Phone", type = "phone", length = 40 },
        { name = "Fax", label = "Account Fax", type = "phone", length = 40 },
        { name = "AccountNumber", label = "Account Number", type = "string", length = 40 },
        { name = "Website", label = "Website", type = "url", length = 255 },
        { name = "Sic", label = "SIC Code", type = "string", length = 20 },
        { name = "Industry", label = "Industry", type = "picklist", values = INDUSTRIES },
        { name = "AnnualRevenue", label = "Annual Revenue", type = "currency", precision = 18, scale = 0 },
        { name = "NumberOfEmployees", label = "Employees", type = "int", precision = 8 },
        { name = "Ownership", label = "Ownership", type = "picklist",
          values = { "Public", "Private", "Subsidiary", "Other" } },
        { name = "TickerSymbol", label = "Ticker Symbol", type = "string", length = 20 },
        { name = "Rating", label = "Account Rating", type = "picklist", values = RATINGS },
        { name = "Site", label = "Account Site", type = "string", length = 80 },
        { name = "AccountSource", label = "Account Source", type = "picklist", values = LEAD_SOURCES },
        { name = "Description", label = "Account Description", type = "textarea", length = 32000 },
      },
    },
    {
      name = "Contact", label = "Contact", labelPlural = "Contacts", keyPrefix = "003",
      fields = {
        { name = "AccountId", label = "Account ID", type = "reference", referenceTo = { "Account" },
          relationshipName = "Account", childRelationshipName = "Contacts" },
        { name = "LastName", label = "Last Name", type = "string", length = 80, required = true },
        { name = "FirstName", label = "First Name", type = "string", length = 40 },
        { name = "Salutation", label = "Salutation", type = "picklist", values = SALUTATIONS },
        { name = "Name", label = "Full Name", type = "string", length = 121, formula = name_formula() },
        { name = "ReportsToId", label = "Reports To ID", type = "reference", referenceTo = { "Contact" },
          relationshipName = "ReportsTo" },
        { name = "MailingCity", label = "Mailing City", type = "string", length = 40 },
        { name = "MailingCountry", label = "Mailing Country", type = "string", length = 80 },
        { name = "Phone", label = "Business Phone", type = "phone", length = 40 },
        { name = "MobilePhone", label = "Mobile Phone", type = "phone", length = 40 },
        { name = "Email", label = "Email", type = "email", length = 80 },
        { name = "Title", label = "Title", type = "string", length = 128 },
        { name = "Department", label = "Department", type = "string", length = 80 },
        { name = "LeadSource", label = "Lead Source", type = "picklist", values = LEAD_SOURCES },
        { name = "Birthdate", label = "Birthdate", type = "date" },
        { name = "HasOptedOutOfEmail", label = "Email Opt Out", type = "boolean", default = false },
        { name = "DoNotCall", label = "Do Not Call", type = "boolean", default = false },
        { name = "Description", label = "Contact Description", type = "textarea", length = 32000 },
      },
    },
    {
      name = "Opportunity", label = "Opportunity", labelPlural = "Opportunities", keyPrefix = "006",
      fields = {
        { name = "AccountId", label = "Account ID", type = "reference", referenceTo = { "Account" },
          relationshipName = "Account", childRelationshipName = "Opportunities" },
        { name = "ContactId", label = "Contact ID", type = "reference", referenceTo = { "Contact" },
          relationshipName = "Contact", childRelationshipName = "Opportunities" },
        { name = "Name", label = "Name", type = "string", length = 120, required = true },
        { name = "Description", label = "Description", type = "textarea", length = 32000 },
        { name = "StageName", label = "Stage", type = "picklist", required = true, values = STAGES },
        { name = "Amount", label = "Amount", type = "currency", precision = 18, scale = 2 },
        { name = "Probability", label = "Probability (%)", type = "percent", precision = 3, scale = 0 },
        { name = "CloseDate", label = "Close Date", type = "date", required = true },
        { name = "Type", label = "Opportunity Type", type = "picklist", values = {
          "Existing Customer - Upgrade", "Existing Customer - Replacement", "Existing Customer - Downgrade",
          "New Customer" } },
        { name = "NextStep", label = "Next Step", type = "string", length = 255 },
        { name = "LeadSource", label = "Lead Source", type = "picklist", values = LEAD_SOURCES },
        { name = "IsClosed", label = "Closed", type = "boolean",
          formula = { picklistFlag = "closed", field = "StageName" } },
        { name = "IsWon", label = "Won", type = "boolean",
          formula = { picklistFlag = "won", field = "StageName" } },
        { name = "ForecastCategoryName", label = "Forecast Category", type = "picklist",
          values = { "Omitted", "Pipeline", "Best Case", "Commit", "Closed" } },
      },
    },
    {
      name = "Case", label = "Case", labelPlural = "Cases", keyPrefix = "500",
      fields = {
        { name = "CaseNumber", label = "Case Number", type = "string", length = 30, autoNumber = "{00000000}" },
        { name = "ContactId", label = "Contact ID", type = "reference", referenceTo = { "Contact" },
          relationshipName = "Contact", childRelationshipName = "Cases" },
        { name = "AccountId", label = "Account ID", type = "reference", referenceTo = { "Account" },
          relationshipName = "Account", childRelationshipName = "Cases" },
        { name = "ParentId", label = "Parent Case ID", type = "reference", referenceTo = { "Case" },
          relationshipName = "Parent", childRelationshipName = "Cases" },
        { name = "Subject", label = "Subject", type = "string", length = 255 },
        { name = "Description", label = "Description", type = "textarea", length = 32000 },
        { name = "Status", label = "Status", type = "picklist", default = "New", values = {
          "New", "Working", "Escalated", { value = "Closed", closed = true } } },
        { name = "IsClosed", label = "Closed", type = "boolean",
          formula = { picklistFlag = "closed", field = "Status" } },
        { name = "Priority", label = "Priority", type = "picklist", default = "Medium",
          values = { "High", "Medium", "Low" } },
        { name = "Origin", label = "Case Origin", type = "picklist", values = { "Phone", "Email", "Web" } },
        { name = "Type", label = "Case Type", type = "picklist", values = {
          "Mechanical", "Electrical", "Electronic", "Structural", "Other" } },
        { name = "Reason", label = "Case Reason", type = "picklist", values = {
          "Installation", "Equipment Complexity", "Performance", "Breakdown", "Equipment Design", "Feedback",
          "Other" } },
        { name = "SuppliedEmail", label = "Web Email", type = "email", length = 80 },
        { name = "IsEscalated", label = "Escalated", type = "boolean", default = false },
      },
    },
    {
      name = "Lead", label = "Lead", labelPlural = "Leads", keyPrefix = "00Q",
      fields = {
        { name = "LastName", label = "Last Name", type = "string", length = 80, required = true },
        { name = "FirstName", label = "First Name", type = "string", length = 40 },
        { name = "Salutation", label = "Salutation", type = "picklist", values = SALUTATIONS },
        { name = "Name", label = "Full Name", type = "string", length = 121, formula = name_formula() },
        { name = "Title", label = "Title", type = "string", length = 128 },
        { name = "Company", label = "Company", type = "string", length = 255, required = true },
        { name = "City", label = "City", type = "string", length = 40 },
        { name = "Country", label = "Country", type = "string", length = 80 },
        { name = "Phone", label = "Phone", type = "phone", length = 40 },
        { name = "Email", label = "Email", type = "email", length = 80 },
        { name = "Website", label = "Website", type = "url", length = 255 },
        { name = "Description", label = "Description", type = "textarea", length = 32000 },
        { name = "LeadSource", label = "Lead Source", type = "picklist", values = LEAD_SOURCES },
        { name = "Status", label = "Status", type = "picklist", required = true, default = "Open - Not Contacted",
          values = { "Open - Not Contacted", "Working - Contacted", "Closed - Converted",
            "Closed - Not Converted" } },
        { name = "Industry", label = "Industry", type = "picklist", values = INDUSTRIES },
        { name = "Rating", label = "Rating", type = "picklist", values = RATINGS },
        { name = "AnnualRevenue", label = "Annual Revenue", type = "currency", precision = 18, scale = 0 },
        { name = "NumberOfEmployees", label = "Employees", type = "int", precision = 8 },
        { name = "IsConverted", label = "Converted", type = "boolean", default = false },
      },
    },
    {
      name = "User", label = "User", labelPlural = "Users", keyPrefix = "005", hasOwner = false,
      fields = {
        { name = "Username", label = "Username", type = "string", length = 80, required = true, unique = true },
        { name = "LastName", label = "Last Name", type = "string", length = 80, required = true },
        { name = "FirstName", label = "First Name", type = "string", length = 40 },
        { name = "Name", label = "Full Name", type = "string", length = 121, formula = name_formula() },
        { name = "Alias", label = "Alias", type = "string", length = 8 },
        { name = "Email", label = "Email", type = "email", length = 128, required = true },
        { name = "Title", label = "Title", type = "string", length = 80 },
        { name = "Department", label = "Department", type = "string", length = 80 },
        { name = "CompanyName", label = "Company Name", type = "string", length = 80 },
        { name = "Phone", label = "Phone", type = "phone", length = 40 },
        { name = "IsActive", label = "Active", type = "boolean", default = true },
        { name = "ManagerId", label = "Manager ID", type = "reference", referenceTo = { "User" },
          relationshipName = "Manager" },
        { name = "ProfileId", label = "Profile ID", type = "reference", referenceTo = { "Profile" },
          relationshipName = "Profile" },
        { name = "TimeZoneSidKey", label = "Time Zone", type = "picklist", default = "GMT",
          values = require("luaforce.emulator.system_objects").TIME_ZONES },
      },
    },
    {
      name = "Invoice__c", label = "Invoice", labelPlural = "Invoices", keyPrefix = "a01",
      fields = {
        { name = "Name", label = "Invoice Number", type = "string", length = 80, autoNumber = "INV-{0000}" },
        { name = "Account__c", label = "Account", type = "reference", referenceTo = { "Account" },
          relationshipName = "Account__r", childRelationshipName = "Invoices__r" },
        { name = "Opportunity__c", label = "Opportunity", type = "reference", referenceTo = { "Opportunity" },
          relationshipName = "Opportunity__r", childRelationshipName = "Invoices__r" },
        { name = "External_Id__c", label = "External Id", type = "string", length = 50, externalId = true },
        { name = "Amount__c", label = "Amount", type = "currency", precision = 18, scale = 2 },
        { name = "Status__c", label = "Status", type = "picklist", default = "Draft",
          values = { "Draft", "Sent", "Paid", "Void" } },
        { name = "Due_Date__c", label = "Due Date", type = "date" },
        { name = "Issued_At__c", label = "Issued At", type = "datetime" },
        { name = "Paid__c", label = "Paid", type = "boolean", default = false },
        { name = "Notes__c", label = "Notes", type = "textarea", length = 32768 },
      },
    },
  },
}
