using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Eddy.Core;
using Eddy.Core.Objects;
using Eddy.Protocol.Auth;
using Eddy.Server.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Eddy.Server.S3;

/// <summary>
/// The S3 REST API (rest-xml, 2006-03-01) over the registered <see cref="IObjectStore"/>, on Eddy's port: path-style
/// (<c>/bucket/key</c>) and virtual-host style (<c>bucket.localhost[:port]</c>, <c>bucket.s3.localhost</c>). Operations:
/// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, ListObjectsV2, ListObjects, GetObject (Range,
/// If-None-Match, If-Modified-Since), HeadObject, PutObject (Content-MD5, x-amz-meta-*, aws-chunked bodies),
/// CopyObject, DeleteObject, DeleteObjects, CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
/// AbortMultipartUpload, ListParts, ListMultipartUploads (one page each); anything else (UploadPartCopy, ACLs, versioning, ...) answers
/// <c>NotImplemented</c>. Errors go out in S3's XML shape with their status (HEAD errors without a body); every answer
/// carries <c>x-amz-request-id</c> and <c>x-amz-id-2</c>.
/// </summary>
/// <remarks>Thread-safe (no state besides the store and the filters). Runs the request filters (authentication and
/// authorization or the signature format check, fault injection) with the service <c>s3</c> before the operation, as a
/// <see cref="RequestInfo.StreamedBody"/> request: the signature covers the client's <c>x-amz-content-sha256</c>, and
/// the body is checked against it while it streams into the store (<see cref="PayloadOf"/>), so a body that does not
/// match fails the operation before the store commits anything. Filter refusals go out as S3's errors
/// (<see cref="S3Errors.FromFilter"/>).</remarks>
public sealed class S3Service(IObjectStore store, IEnumerable<IRequestFilter> filters) : IRestService
{
    private const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    private const string StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    private const string StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    private const string StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    private static readonly XNamespace s_ns = Namespace;
    private readonly IRequestFilter[] _filters = [.. filters];

    public string SigningName => "s3";

    /// <summary>Unsigned requests are S3's only when virtual-host addressed (<c>bucket.localhost</c>): a bare path could be
    /// anything, and must keep Kinesis's answers.</summary>
    public bool Matches(HttpRequest request) => BucketOfHost(request?.Host.Host) is not null;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requestId = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..16];
        var response = context.Response;
        response.Headers["x-amz-request-id"] = requestId;
        response.Headers["x-amz-id-2"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(72));
        var (bucket, key) = Address(context);
        try
        {
            var operation = Operation(context.Request, bucket, key);
            var contentSha256 = DeclaredContentSha256(context.Request);
            var info = new RequestInfo(context, SigningName, operation, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty)
            {
                StreamedBody = true,
                IamAction = IamActionOf(operation),
                Resource = bucket is null ? "arn:aws:s3:::*" : key is null || operation == "DeleteObjects" ? "arn:aws:s3:::" + bucket : $"arn:aws:s3:::{bucket}/{key}",
            };
            try
            {
                foreach (var filter in _filters)
                {
                    await filter.OnRequestAsync(info).ConfigureAwait(false);
                }
            }
            catch (ServiceException e)
            {
                throw S3Errors.FromFilter(e);
            }

            context.Request.Body = PayloadOf(context.Request, contentSha256, AuthFilter.Seed(info));
            await DispatchAsync(context, operation, bucket, key).ConfigureAwait(false);
        }
        catch (ServiceException e) when (!response.HasStarted)
        {
            await WriteErrorAsync(context, e, bucket, key, requestId).ConfigureAwait(false);
        }
        catch (XmlException) when (!response.HasStarted)
        {
            await WriteErrorAsync(context, new ServiceException("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", 400), bucket, key, requestId).ConfigureAwait(false);
        }
    }

    /// <summary>The request's <c>x-amz-content-sha256</c>: null when absent (allowed only without a SigV4 Authorization
    /// header: unsigned requests under <c>--auth none</c>, presigned URLs); otherwise a hex SHA-256, UNSIGNED-PAYLOAD or
    /// one of the STREAMING-* values, else <c>InvalidArgument</c>.</summary>
    private static string? DeclaredContentSha256(HttpRequest request)
    {
        var value = request.Headers["x-amz-content-sha256"].ToString();
        if (value.Length == 0)
        {
            return request.Headers.Authorization.ToString().StartsWith("AWS4-", StringComparison.Ordinal)
                ? throw new ServiceException("InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400)
                : null;
        }

        if (value is SigV4.UnsignedPayload or StreamingSigned or StreamingSignedTrailer or StreamingUnsignedTrailer || IsHexSha256(value))
        {
            return value;
        }

        throw new ServiceException("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.", 400);
    }

    private static bool IsHexSha256(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigit);

    /// <summary>The body an operation reads: a declared hex SHA-256 is checked as the body streams
    /// (<c>XAmzContentSHA256Mismatch</c> at its end, before a store can commit it); an aws-chunked body is decoded, its
    /// chunk signatures checked against the request's signature when the auth filter verified one (<paramref name="seed"/>).</summary>
    private static Stream PayloadOf(HttpRequest request, string? contentSha256, SigV4Seed? seed)
    {
        var body = request.Body;
        var chunked = request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.Ordinal)
            || contentSha256?.StartsWith("STREAMING-", StringComparison.Ordinal) == true;
        if (chunked)
        {
            var signed = contentSha256 is StreamingSigned or StreamingSignedTrailer;
            return new AwsChunkedStream(body, signed && seed is not null ? new SigV4ChunkVerifier(seed) : null);
        }

        return contentSha256 is not null && IsHexSha256(contentSha256)
            ? new DigestCheckingStream(body, HashAlgorithmName.SHA256, Convert.FromHexString(contentSha256), S3Errors.ContentSha256Mismatch)
            : body;
    }

    /// <summary>The IAM action S3 authorizes an operation as.</summary>
    private static string IamActionOf(string operation) => operation switch
    {
        "ListBuckets" => "s3:ListAllMyBuckets",
        "HeadBucket" or "ListObjectsV2" or "ListObjects" => "s3:ListBucket",
        "HeadObject" or "GetObject" => "s3:GetObject",
        "PutObject" or "CopyObject" or "CreateMultipartUpload" or "UploadPart" or "CompleteMultipartUpload" => "s3:PutObject",
        "DeleteObject" or "DeleteObjects" => "s3:DeleteObject",
        "ListParts" => "s3:ListMultipartUploadParts",
        "ListMultipartUploads" => "s3:ListBucketMultipartUploads",
        _ => "s3:" + operation, // CreateBucket, DeleteBucket, GetBucketLocation, AbortMultipartUpload
    };

    /// <summary>The operation a request names, by method, bucket, key and sub-resource (S3's REST routing).</summary>
    private static string Operation(HttpRequest request, string? bucket, string? key)
    {
        var query = request.Query;
        var method = request.Method;
        if (bucket is null)
        {
            return method == HttpMethods.Get ? "ListBuckets" : throw MethodNotAllowed();
        }

        if (key is null)
        {
            if (query.ContainsKey("delete") && method == HttpMethods.Post)
            {
                return "DeleteObjects";
            }

            if (query.ContainsKey("location") && method == HttpMethods.Get)
            {
                return "GetBucketLocation";
            }

            if (query.ContainsKey("uploads") && method == HttpMethods.Get)
            {
                return "ListMultipartUploads";
            }

            if (query.Keys.Any(k => k is not ("list-type" or "prefix" or "delimiter" or "max-keys" or "continuation-token" or "start-after"
                or "encoding-type" or "fetch-owner" or "marker" or "x-id") && !k.StartsWith("X-Amz-", StringComparison.Ordinal)))
            {
                throw NotImplemented();
            }

            return method switch
            {
                "PUT" => "CreateBucket",
                "HEAD" => "HeadBucket",
                "DELETE" => "DeleteBucket",
                "GET" => query["list-type"] == "2" ? "ListObjectsV2" : "ListObjects",
                _ => throw MethodNotAllowed(),
            };
        }

        if (query.ContainsKey("tagging") || query.ContainsKey("acl") || query.ContainsKey("versionId") || query.ContainsKey("attributes")
            || query.ContainsKey("retention"))
        {
            throw NotImplemented();
        }

        if (query.ContainsKey("uploads"))
        {
            return method == HttpMethods.Post ? "CreateMultipartUpload" : throw MethodNotAllowed();
        }

        if (query.ContainsKey("uploadId"))
        {
            return method switch
            {
                "PUT" when request.Headers.ContainsKey("x-amz-copy-source") => throw NotImplemented(), // UploadPartCopy
                "PUT" => "UploadPart",
                "POST" => "CompleteMultipartUpload",
                "DELETE" => "AbortMultipartUpload",
                "GET" => "ListParts",
                _ => throw MethodNotAllowed(),
            };
        }

        return method switch
        {
            "PUT" => request.Headers.ContainsKey("x-amz-copy-source") ? "CopyObject" : "PutObject",
            "GET" => "GetObject",
            "HEAD" => "HeadObject",
            "DELETE" => "DeleteObject",
            _ => throw MethodNotAllowed(),
        };
    }

    private Task DispatchAsync(HttpContext context, string operation, string? bucket, string? key)
    {
        var ct = context.RequestAborted;
        return operation switch
        {
            "ListBuckets" => ListBucketsAsync(context, ct),
            "CreateBucket" => CreateBucketAsync(context, bucket!, ct),
            "HeadBucket" => HeadBucketAsync(context, bucket!, ct),
            "DeleteBucket" => NoContentAsync(context, store.DeleteBucketAsync(bucket!, ct)),
            "GetBucketLocation" => GetBucketLocationAsync(context, bucket!, ct),
            "ListObjectsV2" => ListObjectsAsync(context, bucket!, v2: true, ct),
            "ListObjects" => ListObjectsAsync(context, bucket!, v2: false, ct),
            "DeleteObjects" => DeleteObjectsAsync(context, bucket!, ct),
            "PutObject" => PutObjectAsync(context, bucket!, key!, ct),
            "CopyObject" => CopyObjectAsync(context, bucket!, key!, ct),
            "GetObject" => GetObjectAsync(context, bucket!, key!, head: false, ct),
            "HeadObject" => GetObjectAsync(context, bucket!, key!, head: true, ct),
            "DeleteObject" => NoContentAsync(context, store.DeleteObjectAsync(bucket!, key!, ct)),
            "CreateMultipartUpload" => CreateMultipartUploadAsync(context, bucket!, key!, ct),
            "UploadPart" => UploadPartAsync(context, bucket!, key!, ct),
            "CompleteMultipartUpload" => CompleteMultipartUploadAsync(context, bucket!, key!, ct),
            "AbortMultipartUpload" => NoContentAsync(context, store.AbortMultipartUploadAsync(bucket!, key!, UploadId(context), ct)),
            "ListParts" => ListPartsAsync(context, bucket!, key!, ct),
            "ListMultipartUploads" => ListMultipartUploadsAsync(context, bucket!, ct),
            _ => throw NotImplemented(),
        };
    }

    private async Task ListBucketsAsync(HttpContext context, CancellationToken ct)
    {
        var buckets = await store.ListBucketsAsync(ct).ConfigureAwait(false);
        var xml = new XElement(s_ns + "ListAllMyBucketsResult",
            Owner(),
            new XElement(s_ns + "Buckets", buckets.Select(b => new XElement(s_ns + "Bucket",
                new XElement(s_ns + "Name", b.Name),
                new XElement(s_ns + "CreationDate", Iso(b.CreationDate))))));
        await WriteXmlAsync(context.Response, 200, xml).ConfigureAwait(false);
    }

    private async Task CreateBucketAsync(HttpContext context, string bucket, CancellationToken ct)
    {
        // The optional CreateBucketConfiguration (LocationConstraint) must be well-formed XML; the region is Eddy's own.
        var body = Encoding.UTF8.GetString(await ReadSmallBodyAsync(context.Request, ct).ConfigureAwait(false));
        if (body.Trim().Length > 0)
        {
            _ = XDocument.Parse(body);
        }

        try
        {
            await store.CreateBucketAsync(bucket, ct).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.ErrorType == "BucketAlreadyOwnedByYou" && RegionOf(context.Request) == "us-east-1")
        {
            // S3 in North Virginia answers 200 to re-creating a bucket one owns, for legacy compatibility (the S3 model's
            // BucketAlreadyOwnedByYou documentation).
        }

        context.Response.Headers.Location = "/" + bucket;
        context.Response.StatusCode = 200;
    }

    private async Task HeadBucketAsync(HttpContext context, string bucket, CancellationToken ct)
    {
        if (!await store.BucketExistsAsync(bucket, ct).ConfigureAwait(false))
        {
            throw ObjectStoreException.NoSuchBucket(bucket);
        }

        context.Response.Headers["x-amz-bucket-region"] = RegionOf(context.Request);
        context.Response.StatusCode = 200;
    }

    private async Task GetBucketLocationAsync(HttpContext context, string bucket, CancellationToken ct)
    {
        if (!await store.BucketExistsAsync(bucket, ct).ConfigureAwait(false))
        {
            throw ObjectStoreException.NoSuchBucket(bucket);
        }

        var region = RegionOf(context.Request);
        await WriteXmlAsync(context.Response, 200, new XElement(s_ns + "LocationConstraint", region == "us-east-1" ? null : region)).ConfigureAwait(false);
    }

    private async Task ListObjectsAsync(HttpContext context, string bucket, bool v2, CancellationToken ct)
    {
        var query = context.Request.Query;
        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        var encodingType = query["encoding-type"].ToString();
        if (encodingType.Length > 0 && encodingType != "url")
        {
            throw new ServiceException("InvalidArgument", "Invalid Encoding Method specified in Request", 400);
        }

        var maxKeys = 1000;
        if (query.TryGetValue("max-keys", out var max) && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys)))
        {
            throw new ServiceException("InvalidArgument", "Provided max-keys not an integer or within integer range", 400);
        }

        maxKeys = Math.Min(maxKeys, 1000);
        var token = query["continuation-token"].ToString();
        var startAfter = v2 ? query["start-after"].ToString() : query["marker"].ToString();
        var from = startAfter.Length > 0 ? startAfter : null;
        if (v2 && query.ContainsKey("continuation-token"))
        {
            from = DecodeToken(token);
        }

        var page = await store.ListObjectsAsync(bucket, prefix.Length > 0 ? prefix : null, delimiter.Length > 0 ? delimiter : null, from, maxKeys, ct).ConfigureAwait(false);
        var url = encodingType == "url";
        string Enc(string s) => url ? UrlEncode(s) : s;
        var fetchOwner = !v2 || query["fetch-owner"] == "true";
        var xml = new XElement(s_ns + "ListBucketResult",
            new XElement(s_ns + "Name", bucket),
            new XElement(s_ns + "Prefix", Enc(prefix)));
        if (v2)
        {
            if (query.ContainsKey("continuation-token"))
            {
                xml.Add(new XElement(s_ns + "ContinuationToken", token));
            }

            if (startAfter.Length > 0)
            {
                xml.Add(new XElement(s_ns + "StartAfter", Enc(startAfter)));
            }

            xml.Add(new XElement(s_ns + "KeyCount", page.Objects.Count + page.CommonPrefixes.Count));
        }
        else
        {
            xml.Add(new XElement(s_ns + "Marker", Enc(startAfter)));
        }

        xml.Add(new XElement(s_ns + "MaxKeys", maxKeys));
        if (delimiter.Length > 0)
        {
            xml.Add(new XElement(s_ns + "Delimiter", Enc(delimiter)));
        }

        if (url)
        {
            xml.Add(new XElement(s_ns + "EncodingType", "url"));
        }

        xml.Add(new XElement(s_ns + "IsTruncated", page.IsTruncated ? "true" : "false"));
        if (page.IsTruncated && page.NextStartAfter is { } next)
        {
            xml.Add(v2 ? new XElement(s_ns + "NextContinuationToken", EncodeToken(next)) : delimiter.Length > 0 ? new XElement(s_ns + "NextMarker", Enc(next)) : null);
        }

        foreach (var o in page.Objects)
        {
            xml.Add(new XElement(s_ns + "Contents",
                new XElement(s_ns + "Key", Enc(o.Key)),
                new XElement(s_ns + "LastModified", Iso(o.LastModified)),
                new XElement(s_ns + "ETag", o.ETag),
                new XElement(s_ns + "Size", o.Size),
                fetchOwner ? Owner() : null,
                new XElement(s_ns + "StorageClass", "STANDARD")));
        }

        foreach (var p in page.CommonPrefixes)
        {
            xml.Add(new XElement(s_ns + "CommonPrefixes", new XElement(s_ns + "Prefix", Enc(p))));
        }

        await WriteXmlAsync(context.Response, 200, xml).ConfigureAwait(false);
    }

    private async Task DeleteObjectsAsync(HttpContext context, string bucket, CancellationToken ct)
    {
        var doc = XDocument.Parse(Encoding.UTF8.GetString(await ReadSmallBodyAsync(context.Request, ct).ConfigureAwait(false)));
        var root = doc.Root ?? throw new XmlException("empty");
        var quiet = string.Equals(root.Elements().FirstOrDefault(e => e.Name.LocalName == "Quiet")?.Value, "true", StringComparison.OrdinalIgnoreCase);
        var keys = root.Elements().Where(e => e.Name.LocalName == "Object")
            .Select(o => o.Elements().FirstOrDefault(e => e.Name.LocalName == "Key")?.Value ?? throw new XmlException("no key")).ToList();
        if (keys.Count > 1000)
        {
            throw new ServiceException("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", 400);
        }

        if (!await store.BucketExistsAsync(bucket, ct).ConfigureAwait(false))
        {
            throw ObjectStoreException.NoSuchBucket(bucket);
        }

        var result = new XElement(s_ns + "DeleteResult");
        foreach (var key in keys)
        {
            try
            {
                await store.DeleteObjectAsync(bucket, key, ct).ConfigureAwait(false);
                if (!quiet)
                {
                    result.Add(new XElement(s_ns + "Deleted", new XElement(s_ns + "Key", key)));
                }
            }
            catch (ServiceException e)
            {
                result.Add(new XElement(s_ns + "Error", new XElement(s_ns + "Key", key), new XElement(s_ns + "Code", e.ErrorType), new XElement(s_ns + "Message", e.Message)));
            }
        }

        await WriteXmlAsync(context.Response, 200, result).ConfigureAwait(false);
    }

    private async Task PutObjectAsync(HttpContext context, string bucket, string key, CancellationToken ct)
    {
        ObjectInfo info;
        var body = WithContentMd5(context.Request);
        await using (body.ConfigureAwait(false))
        {
            info = await store.PutObjectAsync(bucket, key, body, WriteOf(context.Request.Headers), ct).ConfigureAwait(false);
        }

        context.Response.Headers.ETag = info.ETag;
        context.Response.StatusCode = 200;
    }

    /// <summary>What a PutObject or CreateMultipartUpload says of the object: content type, content encoding (without
    /// aws-chunked, which only framed the upload), x-amz-meta-*.</summary>
    private static ObjectWrite WriteOf(IHeaderDictionary headers)
    {
        var encodings = headers.ContentEncoding.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        encodings.Remove("aws-chunked");
        return new ObjectWrite(
            headers.ContentType.Count > 0 ? headers.ContentType.ToString() : null,
            encodings.Count > 0 ? string.Join(",", encodings) : null,
            UserMetadata(headers));
    }

    /// <summary>The request's body (decoded and checked by <see cref="PayloadOf"/>), also checked against its
    /// Content-MD5 when it has one (<c>InvalidDigest</c>, <c>BadDigest</c>).</summary>
    private static Stream WithContentMd5(HttpRequest request)
    {
        var headers = request.Headers;
        var body = request.Body;

        if (headers.TryGetValue("Content-MD5", out var md5Header))
        {
            byte[] expected;
            try
            {
                expected = Convert.FromBase64String(md5Header.ToString());
            }
            catch (FormatException)
            {
                expected = [];
            }

            if (expected.Length != 16)
            {
                throw new ServiceException("InvalidDigest", "The Content-MD5 you specified is not valid.", 400);
            }

            body = new DigestCheckingStream(body, HashAlgorithmName.MD5, expected, S3Errors.BadDigest);
        }

        return body;
    }

    private async Task CreateMultipartUploadAsync(HttpContext context, string bucket, string key, CancellationToken ct)
    {
        var uploadId = await store.CreateMultipartUploadAsync(bucket, key, WriteOf(context.Request.Headers), ct).ConfigureAwait(false);
        await WriteXmlAsync(context.Response, 200, new XElement(s_ns + "InitiateMultipartUploadResult",
            new XElement(s_ns + "Bucket", bucket), new XElement(s_ns + "Key", key), new XElement(s_ns + "UploadId", uploadId))).ConfigureAwait(false);
    }

    private async Task UploadPartAsync(HttpContext context, string bucket, string key, CancellationToken ct)
    {
        if (!int.TryParse(context.Request.Query["partNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var partNumber))
        {
            throw ObjectStoreException.InvalidPartNumber();
        }

        PartInfo part;
        var body = WithContentMd5(context.Request);
        await using (body.ConfigureAwait(false))
        {
            part = await store.UploadPartAsync(bucket, key, UploadId(context), partNumber, body, ct).ConfigureAwait(false);
        }

        context.Response.Headers.ETag = part.ETag;
        context.Response.StatusCode = 200;
    }

    private async Task CompleteMultipartUploadAsync(HttpContext context, string bucket, string key, CancellationToken ct)
    {
        var doc = XDocument.Parse(Encoding.UTF8.GetString(await ReadSmallBodyAsync(context.Request, ct).ConfigureAwait(false)));
        var parts = new List<CompletedPart>();
        foreach (var part in (doc.Root ?? throw new XmlException("empty")).Elements().Where(e => e.Name.LocalName == "Part"))
        {
            var number = part.Elements().FirstOrDefault(e => e.Name.LocalName == "PartNumber")?.Value;
            var etag = part.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value;
            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var partNumber) || etag is null)
            {
                throw new XmlException("part");
            }

            parts.Add(new CompletedPart(partNumber, etag));
        }

        var info = await store.CompleteMultipartUploadAsync(bucket, key, UploadId(context), parts, ct).ConfigureAwait(false);
        var request = context.Request;
        await WriteXmlAsync(context.Response, 200, new XElement(s_ns + "CompleteMultipartUploadResult",
            new XElement(s_ns + "Location", $"{request.Scheme}://{request.Host}/{bucket}/{UrlEncode(key)}"),
            new XElement(s_ns + "Bucket", bucket), new XElement(s_ns + "Key", key), new XElement(s_ns + "ETag", info.ETag))).ConfigureAwait(false);
    }

    private async Task ListPartsAsync(HttpContext context, string bucket, string key, CancellationToken ct)
    {
        var uploadId = UploadId(context);
        var parts = await store.ListPartsAsync(bucket, key, uploadId, ct).ConfigureAwait(false);
        var xml = new XElement(s_ns + "ListPartsResult",
            new XElement(s_ns + "Bucket", bucket), new XElement(s_ns + "Key", key), new XElement(s_ns + "UploadId", uploadId),
            new XElement(s_ns + "PartNumberMarker", 0), new XElement(s_ns + "NextPartNumberMarker", parts.Count > 0 ? parts[^1].PartNumber : 0),
            new XElement(s_ns + "MaxParts", 10000), new XElement(s_ns + "IsTruncated", "false"),
            parts.Select(p => new XElement(s_ns + "Part",
                new XElement(s_ns + "PartNumber", p.PartNumber), new XElement(s_ns + "LastModified", Iso(p.LastModified)),
                new XElement(s_ns + "ETag", p.ETag), new XElement(s_ns + "Size", p.Size))),
            Initiator(), Owner(), new XElement(s_ns + "StorageClass", "STANDARD"));
        await WriteXmlAsync(context.Response, 200, xml).ConfigureAwait(false);
    }

    private async Task ListMultipartUploadsAsync(HttpContext context, string bucket, CancellationToken ct)
    {
        var uploads = await store.ListMultipartUploadsAsync(bucket, ct).ConfigureAwait(false);
        var xml = new XElement(s_ns + "ListMultipartUploadsResult",
            new XElement(s_ns + "Bucket", bucket), new XElement(s_ns + "KeyMarker"), new XElement(s_ns + "UploadIdMarker"),
            new XElement(s_ns + "MaxUploads", 1000), new XElement(s_ns + "IsTruncated", "false"),
            uploads.Select(u => new XElement(s_ns + "Upload",
                new XElement(s_ns + "Key", u.Key), new XElement(s_ns + "UploadId", u.UploadId), Initiator(), Owner(),
                new XElement(s_ns + "StorageClass", "STANDARD"), new XElement(s_ns + "Initiated", Iso(u.Initiated)))));
        await WriteXmlAsync(context.Response, 200, xml).ConfigureAwait(false);
    }

    private static string UploadId(HttpContext context) => context.Request.Query["uploadId"].ToString();

    private async Task CopyObjectAsync(HttpContext context, string bucket, string key, CancellationToken ct)
    {
        var source = Uri.UnescapeDataString(context.Request.Headers["x-amz-copy-source"].ToString().Split('?')[0]).TrimStart('/');
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == source.Length - 1)
        {
            throw new ServiceException("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", 400);
        }

        var (sourceBucket, sourceKey) = (source[..slash], source[(slash + 1)..]);
        var content = await store.GetObjectAsync(sourceBucket, sourceKey, null, ct).ConfigureAwait(false) ?? throw ObjectStoreException.NoSuchKey(sourceKey);
        ObjectInfo info;
        await using (content.ConfigureAwait(false))
        {
            var replace = context.Request.Headers["x-amz-metadata-directive"] == "REPLACE";
            var write = replace
                ? new ObjectWrite(context.Request.ContentType, context.Request.Headers.ContentEncoding.Count > 0 ? context.Request.Headers.ContentEncoding.ToString() : null, UserMetadata(context.Request.Headers))
                : new ObjectWrite(content.Info.ContentType, content.Info.ContentEncoding, content.Info.UserMetadata);
            info = await store.PutObjectAsync(bucket, key, content.Content, write, ct).ConfigureAwait(false);
        }

        await WriteXmlAsync(context.Response, 200, new XElement(s_ns + "CopyObjectResult",
            new XElement(s_ns + "LastModified", Iso(info.LastModified)), new XElement(s_ns + "ETag", info.ETag))).ConfigureAwait(false);
    }

    private async Task GetObjectAsync(HttpContext context, string bucket, string key, bool head, CancellationToken ct)
    {
        var request = context.Request;
        var range = ParseRange(request.Headers.Range.ToString());
        var info = await store.HeadObjectAsync(bucket, key, ct).ConfigureAwait(false) ?? throw ObjectStoreException.NoSuchKey(key);
        var response = context.Response;
        if (NotModified(request, info))
        {
            response.StatusCode = 304;
            response.Headers.ETag = info.ETag;
            return;
        }

        if (head)
        {
            var (offset, length) = range is { } r ? r.Resolve(info.Size) : (0, info.Size);
            WriteObjectHeaders(response, info, offset, length, range is not null);
            return;
        }

        var content = await store.GetObjectAsync(bucket, key, range, ct).ConfigureAwait(false) ?? throw ObjectStoreException.NoSuchKey(key);
        await using (content.ConfigureAwait(false))
        {
            WriteObjectHeaders(response, content.Info, content.Offset, content.Length, range is not null);
            await content.Content.CopyToAsync(response.Body, ct).ConfigureAwait(false);
        }
    }

    private static void WriteObjectHeaders(HttpResponse response, ObjectInfo info, long offset, long length, bool ranged)
    {
        response.StatusCode = ranged ? 206 : 200;
        response.ContentLength = length;
        response.ContentType = info.ContentType;
        response.Headers.ETag = info.ETag;
        response.Headers.LastModified = info.LastModified.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.AcceptRanges = "bytes";
        if (info.ContentEncoding is not null)
        {
            response.Headers.ContentEncoding = info.ContentEncoding;
        }

        if (ranged)
        {
            response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{info.Size}";
        }

        foreach (var (name, value) in info.UserMetadata)
        {
            response.Headers["x-amz-meta-" + name] = value;
        }
    }

    private static bool NotModified(HttpRequest request, ObjectInfo info)
    {
        var noneMatch = request.Headers.IfNoneMatch.ToString();
        if (noneMatch.Length > 0)
        {
            return noneMatch.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == info.ETag || "\"" + t + "\"" == info.ETag);
        }

        return DateTimeOffset.TryParse(request.Headers.IfModifiedSince.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
            && info.LastModified.ToUnixTimeSeconds() <= since.ToUnixTimeSeconds();
    }

    /// <summary>A single <c>bytes=</c> range; anything else (several ranges, other units, garbage) is ignored, as S3
    /// serves the whole object then.</summary>
    private static ByteRange? ParseRange(string header)
    {
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }

        long? Parse(string s) => s.Length == 0 ? null : long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;
        var (first, last) = (Parse(spec[..dash]), Parse(spec[(dash + 1)..]));
        if (first is -1 || last is -1 || (first is null && last is null))
        {
            return null;
        }

        return new ByteRange(first, last);
    }

    private static Dictionary<string, string>? UserMetadata(IHeaderDictionary headers)
    {
        Dictionary<string, string>? metadata = null;
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
            {
                (metadata ??= new(StringComparer.Ordinal))[name["x-amz-meta-".Length..].ToLowerInvariant()] = value.ToString();
            }
        }

        return metadata;
    }

    /// <summary>A request's XML body, read to its end (so a declared SHA-256 is checked before it is used); over
    /// 4 MiB is <c>MaxMessageLengthExceeded</c>.</summary>
    private static async Task<byte[]> ReadSmallBodyAsync(HttpRequest request, CancellationToken ct)
    {
        const int Max = 4 << 20;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > Max)
            {
                throw new ServiceException("MaxMessageLengthExceeded", "Your request was too big.", 400);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static async Task NoContentAsync(HttpContext context, Task operation)
    {
        await operation.ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    /// <summary>Bucket and key of a request: from a virtual host (<c>bucket.localhost</c>) and the whole path as the key,
    /// else the path's first segment and the rest. The path is taken raw and percent-decoded here, so <c>%2F</c> and
    /// <c>..</c> in a key stay in the key.</summary>
    private static (string? Bucket, string? Key) Address(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var q = raw.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? raw : raw[..q];
        if (path.StartsWith("http", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(path, UriKind.Absolute, out var absolute))
        {
            path = absolute.AbsolutePath;
        }

        path = path.StartsWith('/') ? path[1..] : path;
        if (BucketOfHost(context.Request.Host.Host) is { } hostBucket)
        {
            return (hostBucket, path.Length == 0 ? null : Decode(path));
        }

        if (path.Length == 0)
        {
            return (null, null);
        }

        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (Decode(path), null);
        }

        var key = path[(slash + 1)..];
        return (Decode(path[..slash]), key.Length == 0 ? null : Decode(key));
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s);

    /// <summary><c>bucket.localhost</c> or <c>bucket.s3.localhost</c> → <c>bucket</c>; null for any other host.</summary>
    internal static string? BucketOfHost(string? host)
    {
        const string Suffix = ".localhost";
        if (host is null || !host.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase) || host.Length == Suffix.Length)
        {
            return null;
        }

        var bucket = host[..^Suffix.Length];
        if (bucket.EndsWith(".s3", StringComparison.OrdinalIgnoreCase))
        {
            bucket = bucket[..^3];
        }

        return bucket.Length == 0 || bucket.Equals("s3", StringComparison.OrdinalIgnoreCase) ? null : bucket;
    }

    /// <summary>The region of the request's credential scope, else us-east-1.</summary>
    private static string RegionOf(HttpRequest request)
    {
        var auth = request.Headers.Authorization.ToString();
        var at = auth.IndexOf("Credential=", StringComparison.Ordinal);
        var credential = at >= 0 ? auth[(at + 11)..].Split([',', ' '])[0] : request.Query["X-Amz-Credential"].ToString();
        var parts = credential.Split('/');
        return parts.Length == 5 ? parts[2] : "us-east-1";
    }

    private static XElement Initiator() => new(s_ns + "Initiator", new XElement(s_ns + "ID", "eddy"), new XElement(s_ns + "DisplayName", "eddy"));

    private static XElement Owner() => new(s_ns + "Owner", new XElement(s_ns + "ID", "eddy"), new XElement(s_ns + "DisplayName", "eddy"));

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string UrlEncode(string s) => Uri.EscapeDataString(s).Replace("%2F", "/", StringComparison.Ordinal);

    private static string EncodeToken(string startAfter) => Convert.ToBase64String(Encoding.UTF8.GetBytes("eddy1:" + startAfter));

    private static string DecodeToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("eddy1:", StringComparison.Ordinal))
            {
                return text[6..];
            }
        }
        catch (FormatException)
        {
        }

        throw new ServiceException("InvalidArgument", "The continuation token provided is incorrect", 400);
    }

    private static ServiceException NotImplemented() =>
        new("NotImplemented", "A header you provided implies functionality that is not implemented.", 501);

    private static ServiceException MethodNotAllowed() =>
        new("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);

    private static async Task WriteXmlAsync(HttpResponse response, int status, XElement root)
    {
        var body = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting));
        response.StatusCode = status;
        response.ContentType = "application/xml";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    /// <summary>S3's error: <c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;…&lt;RequestId/&gt;&lt;/Error&gt;</c> with its
    /// status; a HEAD's error has the status only.</summary>
    private static Task WriteErrorAsync(HttpContext context, ServiceException e, string? bucket, string? key, string requestId)
    {
        var response = context.Response;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = e.StatusCode;
            return Task.CompletedTask;
        }

        var error = new XElement("Error", new XElement("Code", e.ErrorType), new XElement("Message", e.ErrorMessage ?? ""));
        switch (e.ErrorType)
        {
            case "NoSuchBucket" or "BucketNotEmpty" or "BucketAlreadyOwnedByYou" or "InvalidBucketName":
                error.Add(new XElement("BucketName", (e as ObjectStoreException)?.Resource ?? bucket));
                break;
            case "NoSuchUpload":
                error.Add(new XElement("UploadId", (e as ObjectStoreException)?.Resource));
                break;
            case "NoSuchKey" or "KeyTooLongError":
                error.Add(new XElement("Key", (e as ObjectStoreException)?.Resource ?? key));
                break;
            case "InvalidRange" when e is ObjectStoreException { ActualObjectSize: { } size }:
                error.Add(new XElement("RangeRequested", context.Request.Headers.Range.ToString()), new XElement("ActualObjectSize", size));
                break;
        }

        foreach (var (name, value) in (e as ObjectStoreException)?.Details ?? [])
        {
            error.Add(new XElement(name, value));
        }

        error.Add(new XElement("RequestId", requestId), new XElement("HostId", response.Headers["x-amz-id-2"].ToString()));
        return WriteXmlAsync(response, e.StatusCode, error);
    }
}

/// <summary>Registration of the S3 API on Eddy's port.</summary>
public static class S3ServiceCollectionExtensions
{
    /// <summary>Adds the S3 REST API over the <see cref="IObjectStore"/> registered in the container.</summary>
    public static IServiceCollection AddS3Api(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton<IRestService, S3Service>();
    }
}
