using System.Collections.Frozen;

namespace Eddy.Protocol.Model;

/// <summary>
/// Eddy's deliberate departures from an embedded AWS model's constraints, applied once when the model loads (and
/// listed in the README): a self-hosted destination often speaks plain HTTP, so the Firehose endpoints that AWS
/// requires to be <c>https:</c> URLs may also be <c>http:</c> ones (HTTP endpoint URLs only on a loopback host), and a
/// Redshift JDBC URL may name any host (PostgreSQL stands in for the cluster). Everything else validates exactly as the
/// model says.
/// </summary>
/// <remarks>Threading: applied inside the model's one-time load, before any request sees the model.</remarks>
internal static class ModelRelaxations
{
    private static readonly FrozenDictionary<string, (string Shape, string Pattern)[]> s_patterns = new Dictionary<string, (string, string)[]>
    {
        [ServiceModel.FirehoseResourceName] =
        [
            ("ElasticsearchClusterEndpoint", "https?:.*"),
            ("AmazonopensearchserviceClusterEndpoint", "https?:.*"),
            ("AmazonOpenSearchServerlessCollectionEndpoint", "https?:.*"),
            // Redshift destinations: any PostgreSQL host stands in for the cluster (AWS: *.redshift.* hosts only).
            ("ClusterJDBCURL", @"jdbc:(redshift|postgresql)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}/[a-zA-Z0-9_$-]+"),
            // HTTP endpoint destinations: https as on AWS, or plain http to a receiver on this machine.
            ("HttpEndpointUrl", @"https://.*|http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?([/?#].*)?"),
        ],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Replaces the patterns of <paramref name="model"/>'s relaxed shapes (a shape the model lacks is skipped).</summary>
    public static void Apply(string resourceName, ServiceModel model)
    {
        if (!s_patterns.TryGetValue(resourceName, out var patterns))
        {
            return;
        }
        foreach (var (name, pattern) in patterns)
        {
            if (model.Shapes.TryGetValue(name, out var shape))
            {
                shape.SetConstraints(shape.Min, shape.Max, pattern, JavaPattern.Compile(pattern), shape.EnumValues, shape.JavaTypeName[..^(shape.Name.Length + 1)]);
            }
        }
    }
}
