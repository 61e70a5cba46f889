--- luaforce.emulator.system_objects: the objects every Salesforce org has,
-- whatever its schema: `Organization`, the org itself, one record whose Id
-- is the org id (key prefix 00D), and `Profile`, the users' profiles (key
-- prefix 00e: System Administrator, Standard User, Read Only; User.ProfileId
-- points at them, the demo org's first user being the administrator).
--
-- Clients read it on every command (the Salesforce CLI asks for Name,
-- InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix and
-- OrganizationType). As on Salesforce, the API may query and update it
-- (the fields an administrator edits: name, address, phone, locale) but
-- neither create nor delete it. The local org presents itself as a
-- production org: Enterprise Edition, not a sandbox, no trial, no namespace.
--
--   system_objects.missing_from(object_defs) -> the definitions (schema
--       file format) of the system objects the list does not declare
--   system_objects.records(org_id, sch) -> data for Store:load: the rows the
--       system objects start with (those of objects the schema has)
--   system_objects.profiles(sch) -> the Profile rows alone (the demo org's
--       data carries them, as its users point at them)
--   system_objects.PROFILES.admin / .standard / .read_only -> profile ids
local ids = require "luaforce.emulator.ids"

local M = {}

M.PROFILES = {
  admin = ids.to18("00eLOCAL0000001"),
  standard = ids.to18("00eLOCAL0000002"),
  read_only = ids.to18("00eLOCAL0000003"),
}

local LOCALES = { "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "ja_JP", "pt_BR" }
-- the time zones of the local org (also the User's TimeZoneSidKey values)
M.TIME_ZONES = { "GMT", "Europe/London", "Europe/Berlin", "Europe/Zurich", "America/New_York", "America/Chicago",
  "America/Los_Angeles", "America/Sao_Paulo", "Asia/Tokyo", "Australia/Sydney" }
local EDITIONS = { "Team Edition", "Professional Edition", "Enterprise Edition", "Developer Edition",
  "Personal Edition", "Unlimited Edition", "Contact Manager Edition", "Base Edition" }

local function organization()
  return {
    name = "Organization", label = "Organization", labelPlural = "Organizations", keyPrefix = "00D",
    custom = false, hasOwner = false, createable = false, updateable = true, deletable = false,
    fields = {
      { name = "Name", label = "Name", type = "string", length = 80, required = true },
      { name = "Division", label = "Division", type = "string", length = 80 },
      { name = "Street", label = "Street", type = "textarea", length = 255 },
      { name = "City", label = "City", type = "string", length = 40 },
      { name = "State", label = "State/Province", type = "string", length = 80 },
      { name = "PostalCode", label = "Zip/Postal Code", type = "string", length = 20 },
      { name = "Country", label = "Country", type = "string", length = 80, readOnly = true },
      { name = "Phone", label = "Phone", type = "phone", length = 40 },
      { name = "Fax", label = "Fax", type = "phone", length = 40 },
      { name = "PrimaryContact", label = "Primary Contact", type = "string", length = 80 },
      { name = "DefaultLocaleSidKey", label = "Locale", type = "picklist", length = 40, values = LOCALES },
      { name = "LanguageLocaleKey", label = "Language", type = "picklist", length = 40, values = LOCALES },
      { name = "TimeZoneSidKey", label = "Time Zone", type = "picklist", length = 40, values = M.TIME_ZONES },
      { name = "ReceivesInfoEmails", label = "Info Emails", type = "boolean", default = false },
      { name = "ReceivesAdminInfoEmails", label = "Info Emails Admin", type = "boolean", default = false },
      { name = "FiscalYearStartMonth", label = "Fiscal Year Starts In", type = "int", precision = 2,
        readOnly = true },
      { name = "OrganizationType", label = "Edition", type = "picklist", length = 40, values = EDITIONS,
        readOnly = true },
      { name = "IsSandbox", label = "Is Sandbox", type = "boolean", readOnly = true },
      { name = "TrialExpirationDate", label = "Trial Expiration Date", type = "datetime", readOnly = true },
      { name = "InstanceName", label = "Instance Name", type = "string", length = 5, readOnly = true },
      { name = "NamespacePrefix", label = "Namespace Prefix", type = "string", length = 15, readOnly = true },
      { name = "IsReadOnly", label = "Is Read Only", type = "boolean", readOnly = true },
      { name = "SignupCountryIsoCode", label = "Signup Country", type = "string", length = 2, readOnly = true },
    },
  }
end

-- Profiles are set up in Setup: the API reads them (and assigns users to
-- them) but does not write them here.
local function profile()
  return {
    name = "Profile", label = "Profile", labelPlural = "Profiles", keyPrefix = "00e",
    custom = false, hasOwner = false, createable = false, updateable = false, deletable = false,
    fields = {
      { name = "Name", label = "Name", type = "string", length = 255, required = true },
      { name = "Description", label = "Description", type = "string", length = 255 },
      { name = "UserType", label = "User Type", type = "picklist", length = 40, default = "Standard",
        values = { "Standard", "PowerPartner", "CspLitePortal", "CustomerSuccess", "Guest" } },
    },
  }
end

local DEFINITIONS = { organization, profile }

--- See the file comment.
-- (an object the schema declares itself, by name or by key prefix, is
-- the schema's: the built-in one stays out)
function M.missing_from(defs)
  local have, prefixes = {}, {}
  for _, d in ipairs(defs) do
    if type(d) == "table" and type(d.name) == "string" then have[d.name:lower()] = true end
    if type(d) == "table" and type(d.keyPrefix) == "string" then prefixes[d.keyPrefix] = true end
  end
  local out = {}
  for _, make in ipairs(DEFINITIONS) do
    local d = make()
    if not have[d.name:lower()] and not prefixes[d.keyPrefix] then out[#out + 1] = d end
  end
  return out
end

--- The Profile rows (nil unless the schema has the built-in Profile: one it
-- declares itself starts empty, as its other objects do).
function M.profiles(sch)
  local prof = sch:object("Profile")
  if not prof or not prof.builtin then return nil end
  return {
    { Id = M.PROFILES.admin, Name = "System Administrator", UserType = "Standard" },
    { Id = M.PROFILES.standard, Name = "Standard User", UserType = "Standard" },
    { Id = M.PROFILES.read_only, Name = "Read Only", UserType = "Standard" },
  }
end

--- See the file comment.
function M.records(org_id, sch)
  local out = { Profile = M.profiles(sch) }
  local obj = sch:object("Organization")
  if not obj or not obj.builtin then return out end
  out.Organization = { {
      Id = org_id, Name = "Luaforce Local", PrimaryContact = "Luaforce Admin", DefaultLocaleSidKey = "en_US",
      LanguageLocaleKey = "en_US", TimeZoneSidKey = "GMT", FiscalYearStartMonth = 1,
      OrganizationType = "Enterprise Edition", IsSandbox = false, InstanceName = "LOCAL", IsReadOnly = false,
      SignupCountryIsoCode = "US",
  } }
  return out
end

return M
