using Eddy.Core;

namespace Eddy.Server.Kinesis.Handlers;

internal static class DescribeAccountSettings
{
    public static async Task HandleAsync(Call c)
    {
        Write(c, await c.Engine.DescribeAccountSettingsAsync().ConfigureAwait(false));
    }

    /// <summary>Describe/UpdateAccountSettings answer with the same shape.</summary>
    public static void Write(Call c, BillingCommitment b)
    {
        var w = c.Json;
        w.WriteStartObject();
        w.WriteStartObject("MinimumThroughputBillingCommitment");
        w.WriteString("Status", b.Status);
        if (b.StartedAt is { } started) w.Timestamp("StartedAt", started);
        if (b.EndedAt is { } ended) w.Timestamp("EndedAt", ended);
        if (b.EarliestAllowedEndAt is { } earliest) w.Timestamp("EarliestAllowedEndAt", earliest);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
