using System.Security.Cryptography;
using Eddy.Core.Objects;

namespace Eddy.Objects;

/// <summary>S3's multipart rules, shared by the embedded stores: upload ids, part numbers, what CompleteMultipartUpload
/// accepts and the multipart ETag. Pure functions, safe from any thread.</summary>
internal static class Multipart
{
    /// <summary>The smallest part but the last S3 accepts.</summary>
    public const long MinPartSize = 5L << 20;

    public const int MaxPartNumber = 10000;

    /// <summary>A new upload id: 32 lowercase hex digits (also a safe directory name).</summary>
    public static string NewUploadId() => Guid.NewGuid().ToString("N");

    /// <summary>Whether <paramref name="uploadId"/> could be one of <see cref="NewUploadId"/>'s (anything else names no
    /// upload, and never reaches a path).</summary>
    public static bool IsUploadId(string? uploadId) =>
        uploadId is { Length: 32 } && uploadId.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    public static void CheckPartNumber(int partNumber)
    {
        if (partNumber is < 1 or > MaxPartNumber)
        {
            throw ObjectStoreException.InvalidPartNumber();
        }
    }

    /// <summary>The stored parts <paramref name="requested"/> names, in order, after S3's checks: at least one part
    /// (<c>MalformedXML</c>), ascending part numbers (<c>InvalidPartOrder</c>), each stored with the ETag given
    /// (<c>InvalidPart</c>; quotes optional), each but the last at least 5 MiB (<c>EntityTooSmall</c>).</summary>
    public static IReadOnlyList<PartInfo> Plan(IReadOnlyList<CompletedPart> requested, IReadOnlyDictionary<int, PartInfo> stored)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (requested.Count == 0)
        {
            throw new ObjectStoreException("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", 400);
        }

        var plan = new List<PartInfo>(requested.Count);
        var previous = 0;
        foreach (var part in requested)
        {
            if (part.PartNumber <= previous)
            {
                throw ObjectStoreException.InvalidPartOrder();
            }

            previous = part.PartNumber;
            if (!stored.TryGetValue(part.PartNumber, out var info) || info.ETag.Trim('"') != (part.ETag ?? "").Trim().Trim('"'))
            {
                throw ObjectStoreException.InvalidPart();
            }

            plan.Add(info);
        }

        for (var i = 0; i < plan.Count - 1; i++)
        {
            if (plan[i].Size < MinPartSize)
            {
                throw ObjectStoreException.EntityTooSmall();
            }
        }

        return plan;
    }

    /// <summary>S3's ETag of a multipart object: the quoted hex MD5 of the parts' binary MD5s, <c>-</c>, the part count.</summary>
    public static string ETagOf(IReadOnlyList<PartInfo> parts)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var part in parts)
        {
            md5.AppendData(Convert.FromHexString(part.ETag.Trim('"')));
        }

        return "\"" + Convert.ToHexStringLower(md5.GetHashAndReset()) + "-" + parts.Count + "\"";
    }
}
