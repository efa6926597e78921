-- wrk script: the same PutRecords call (500 records of 1 KiB of pseudo-random Data, 500 partition keys) over and over,
-- the leanest possible client. Measures a server's ingest ceiling per connection count; see docs/benchmarks.md.
--
--   wrk -t 2 -c 4 -d 10s -s benchmarks/wrk/putrecords.lua http://127.0.0.1:4567 -- STREAM [RECORDS] [RECORD_BYTES]
--
-- The request carries X-Amz-Date and a well-formed SigV4 Authorization header with a dummy signature, which Eddy's
-- default auth mode (off: any key, but signed) accepts. wrk reports non-2xx answers as "Non-2xx or 3xx responses"
-- (no response() hook here: it would make wrk parse every answer in Lua and slow the client down).

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(bytes)
  local out = {}
  for i = 1, #bytes, 3 do
    local a, b, c = bytes[i], bytes[i + 1], bytes[i + 2]
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1)
      .. (b and b64chars:sub(c3 + 1, c3 + 1) or "=") .. (c and b64chars:sub(c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end


function init(args)
  local stream = args[1] or "wrk"
  local records = tonumber(args[2] or "500")
  local size = tonumber(args[3] or "1024")
  math.randomseed(4567)
  local entries = {}
  for r = 1, records do
    local bytes = {}
    for i = 1, size do bytes[i] = math.random(0, 255) end
    entries[r] = string.format('{"Data":"%s","PartitionKey":"pk%06d"}', base64(bytes), r)
  end
  wrk.method = "POST"
  wrk.path = "/"
  wrk.body = '{"StreamName":"' .. stream .. '","Records":[' .. table.concat(entries, ",") .. ']}'
  wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
  wrk.headers["X-Amz-Target"] = "Kinesis_20131202.PutRecords"
  -- the signing time is the start of the run: well inside the server's clock-skew allowance for a run of minutes
  wrk.headers["X-Amz-Date"] = os.date("!%Y%m%dT%H%M%SZ")
  wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" .. os.date("!%Y%m%d") .. "/us-east-1/kinesis/aws4_request, "
    .. "SignedHeaders=host;x-amz-date, Signature=" .. string.rep("0", 64)
end
