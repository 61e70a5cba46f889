--- luaforce.emulator.identity: who a token belongs to, as Salesforce's
-- Identity Service tells it.
--
--   GET /services/oauth2/userinfo   the OpenID Connect UserInfo answer
--   GET /id/<org id>/<user id>      the identity URL a token response hands out
--
-- Both describe the token's user (every token of the local org belongs to
-- its default user, the first User) and list the org's endpoints; clients
-- read them after a login (the Salesforce CLI takes `user_id` and
-- `organization_id` from userinfo, then the User record's Username).
-- Ids are 18 characters. The endpoint URLs carry the literal `{version}`
-- unless the request asks for `?version=NN.N` or `latest`, as Salesforce's
-- do. A token the org does not accept gets 403 `Bad_OAuth_Token` (plain
-- text) on both; an identity URL naming another org gets 403 `Wrong_Org`,
-- one with a malformed id or a user the org does not have 404 `Bad_Id`.
local json = require "luaforce.json"
local ids = require "luaforce.emulator.ids"
local oauth = require "luaforce.emulator.oauth"
local reply = require "luaforce.emulator.reply"
local util = require "luaforce.emulator.util"

local M = {}

local URL_KEYS = { "enterprise", "metadata", "partner", "rest", "sobjects", "search", "query", "recent",
  "tooling_soap", "tooling_rest", "profile", "feeds", "groups", "users", "feed_items", "feed_elements",
  "custom_domain" }

local USERINFO_KEYS = { "sub", "user_id", "organization_id", "preferred_username", "nickname", "name", "email",
  "email_verified", "given_name", "family_name", "zoneinfo", "photos", "profile", "picture", "address",
  "is_salesforce_integration_user", "urls", "active", "user_type", "language", "locale", "utcOffset",
  "updated_at", "is_app_installed" }

local IDENTITY_KEYS = { "id", "asserted_user", "user_id", "organization_id", "username", "nick_name",
  "display_name", "email", "email_verified", "first_name", "last_name", "timezone", "photos", "addr_street",
  "addr_city", "addr_state", "addr_country", "addr_zip", "mobile_phone", "mobile_phone_verified",
  "is_lightning_login_user", "status", "urls", "active", "user_type", "language", "locale", "utcOffset",
  "last_modified_date", "is_app_installed" }

-- The Identity Service answers its errors as a bare word.
local function word(status, text)
  return { status = status, headers = { { "Content-Type", "text/plain;charset=UTF-8" } }, body = text }
end
local function bad_token() return word(403, "Bad_OAuth_Token") end
local function bad_id() return word(404, "Bad_Id") end

-- The API version the endpoint URLs name: "{version}" unless asked.
local function version_of(req, newest)
  local v = req.query and req.query.version
  if v == "latest" then return newest end
  if type(v) == "string" and v:find("^%d+%.%d$") then return v end
  return "{version}"
end

local function urls(base, org_id, user_id, version)
  local data = base .. "/services/data/v" .. version .. "/"
  local chatter = data .. "chatter/"
  local t = {
    enterprise = ("%s/services/Soap/c/%s/%s"):format(base, version, org_id:sub(1, 15)),
    metadata = ("%s/services/Soap/m/%s/%s"):format(base, version, org_id:sub(1, 15)),
    partner = ("%s/services/Soap/u/%s/%s"):format(base, version, org_id:sub(1, 15)),
    rest = data,
    sobjects = data .. "sobjects/",
    search = data .. "search/",
    query = data .. "query/",
    recent = data .. "recent/",
    tooling_soap = ("%s/services/Soap/T/%s/%s"):format(base, version, org_id:sub(1, 15)),
    tooling_rest = data .. "tooling/",
    profile = base .. "/" .. user_id,
    feeds = chatter .. "feeds",
    groups = chatter .. "groups",
    users = chatter .. "users",
    feed_items = chatter .. "feed-items",
    feed_elements = chatter .. "feed-elements",
    custom_domain = base,
  }
  return json.object(t, URL_KEYS)
end

-- A user's record (an empty table where the org's schema has no User or
-- the user is gone).
local function user_row(org, id)
  local ok, row = pcall(org.store.get, org.store, "User", id)
  return (ok and type(row) == "table") and row or nil
end

-- The user's offset from UTC in milliseconds now (0 when the zone is unknown).
local function utc_offset(zone_name, now_ms)
  if type(zone_name) ~= "string" then return 0 end
  local ok, zone = pcall(require("luaforce.tz").zone, zone_name)
  if not ok or not zone then return 0 end
  return (zone:offset_at_utc(now_ms // 1000)) * 1000
end

local function null_or(v) if v == nil then return json.null end return v end

-- What both answers say of a user (`user_id`, the token's by default) and
-- the org.
local function facts(org, base, req, user_id)
  user_id = user_id or org.sessions.user_id
  local u = user_row(org, user_id) or {}
  local org_id = org.org_id
  local now = org.clock.now()
  local name = u.Name
  if not name then
    local parts = {}
    if u.FirstName then parts[#parts + 1] = u.FirstName end
    if u.LastName then parts[#parts + 1] = u.LastName end
    name = table.concat(parts, " ")
  end
  return {
    identity_url = base .. "/id/" .. org_id .. "/" .. user_id,
    user_id = user_id, org_id = org_id, user = u,
    username = null_or(u.Username), name = name ~= "" and name or json.null,
    email = null_or(u.Email), zone = u.TimeZoneSidKey or "GMT",
    offset = utc_offset(u.TimeZoneSidKey or "GMT", now),
    active = u.IsActive ~= false,
    -- "2024-05-01T09:30:00Z": seconds, in UTC
    modified = type(u.LastModifiedDate) == "string" and u.LastModifiedDate:sub(1, 19) .. "Z" or json.null,
    photos = json.object({ picture = base .. "/profilephoto/005/F", thumbnail = base .. "/profilephoto/005/T" },
      { "picture", "thumbnail" }),
    urls = urls(base, org_id, user_id, version_of(req, org.newest_version)),
  }
end

-- The token: the Authorization header, else an oauth_token parameter (in
-- the query, or in a POST's form body).
local function authorized(org, req)
  local token = oauth.bearer(req) or (req.query and req.query.oauth_token)
  if not token and req.method == "POST" and req.body and req.body ~= "" then
    token = util.parse_form(req.body).oauth_token
  end
  return org.sessions:valid(token)
end

-- GET, HEAD or POST, as the Identity Service takes them: nil, else the 405.
local function refuse_method(req)
  if req.method ~= "GET" and req.method ~= "HEAD" and req.method ~= "POST" then
    return reply.method_not_allowed(req.method, { "GET", "HEAD", "POST" })
  end
end

--- GET /services/oauth2/userinfo.
function M.userinfo(org, req, base)
  local bad = refuse_method(req)
  if bad then return bad end
  if not authorized(org, req) then return bad_token() end
  local f = facts(org, base, req)
  local u = f.user
  local body = {
    sub = f.identity_url, user_id = f.user_id, organization_id = f.org_id,
    preferred_username = f.username, nickname = null_or(u.Alias), name = f.name, email = f.email,
    email_verified = true, given_name = null_or(u.FirstName), family_name = null_or(u.LastName),
    zoneinfo = f.zone, photos = f.photos, profile = base .. "/" .. f.user_id, picture = f.photos.picture,
    address = json.object({}, {}), is_salesforce_integration_user = false, urls = f.urls, active = f.active,
    user_type = "STANDARD", language = "en_US", locale = "en_US", utcOffset = f.offset,
    updated_at = f.modified, is_app_installed = true,
  }
  return reply.json(200, json.object(body, USERINFO_KEYS))
end

--- GET /id/<org id>/<user id>.
function M.identity(org, req, base, org_seg, user_seg)
  local bad = refuse_method(req)
  if bad then return bad end
  if not authorized(org, req) then return bad_token() end
  local asked_org, asked = ids.to18(org_seg or ""), ids.to18(user_seg or "")
  if not asked_org or not asked then return bad_id() end
  if asked_org ~= org.org_id then return word(403, "Wrong_Org") end
  -- another user of the same org: Salesforce answers for them too (an api
  -- scope token of an internal user); one the org does not have is Bad_Id
  if asked ~= org.sessions.user_id and not user_row(org, asked) then return bad_id() end
  local f = facts(org, base, req, asked)
  local u = f.user
  local body = {
    id = f.identity_url, asserted_user = f.user_id == org.sessions.user_id, user_id = f.user_id,
    organization_id = f.org_id, username = f.username, nick_name = null_or(u.Alias), display_name = f.name,
    email = f.email, email_verified = true, first_name = null_or(u.FirstName), last_name = null_or(u.LastName),
    timezone = u.TimeZoneSidKey or "GMT", photos = f.photos, addr_street = json.null, addr_city = json.null,
    addr_state = json.null, addr_country = json.null, addr_zip = json.null, mobile_phone = json.null,
    mobile_phone_verified = false, is_lightning_login_user = false,
    status = json.object({ created_date = json.null, body = json.null }, { "created_date", "body" }),
    urls = f.urls, active = f.active, user_type = "STANDARD", language = "en_US", locale = "en_US",
    utcOffset = f.offset, last_modified_date = f.modified,
    is_app_installed = true,
  }
  return reply.json(200, json.object(body, IDENTITY_KEYS))
end

return M
