using System.Globalization;
using Eddy.Core;

namespace Eddy.Streams;

/// <summary>The account's limits (DescribeLimits) and minimum-throughput billing commitment (catalog <c>meta</c>).</summary>
internal sealed class AccountSettings(EngineContext context) : IAccountSettings
{
    private BillingCommitment _billing = new("DISABLED", null, null, null);

    /// <summary>Loads the stored billing commitment (at start-up).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (await context.Store.Meta.GetAsync("billing", cancellationToken).ConfigureAwait(false) is { } billing) _billing = DecodeBilling(billing);
    }

    public ValueTask<LimitsView> DescribeLimitsAsync() => context.Control.ReadAsync(() => new LimitsView(
        context.Options.ShardLimit,
        context.Streams.OpenShardCount,
        context.Streams.OnDemandStreamCount,
        context.Options.OnDemandStreamCountLimit));

    public ValueTask<BillingCommitment> DescribeAccountSettingsAsync() => context.Control.ReadAsync(() => _billing);

    public Task<BillingCommitment> UpdateAccountSettingsAsync(string status) =>
        context.Control.WriteAsync(async () =>
        {
            var now = context.Time.GetUtcNow();
            var next = _billing;
            if (status == "ENABLED")
            {
                if (next.Status != "ENABLED") next = new BillingCommitment("ENABLED", now, null, now.AddDays(1));
            }
            else if (next.Status != "DISABLED")
            {
                next = next.EarliestAllowedEndAt is { } earliest && earliest > now
                    ? next with { Status = "ENABLED_UNTIL_EARLIEST_ALLOWED_END", EndedAt = earliest }
                    : next with { Status = "DISABLED", EndedAt = now };
            }
            await context.Store.Meta.SetAsync("billing", EncodeBilling(next)).ConfigureAwait(false);
            return _billing = next;
        });

    /// <summary>Warm throughput needs an ON_DEMAND stream and an ENABLED billing commitment (checked under the control lock).</summary>
    public void CheckWarmThroughputAllowed(StreamMode mode)
    {
        if (mode != StreamMode.OnDemand)
            throw KinesisException.Invalid("Warm throughput can only be configured for streams in ON_DEMAND mode.");
        if (_billing.Status == "DISABLED")
            throw KinesisException.Invalid("Warm throughput requires the account's MinimumThroughputBillingCommitment to be ENABLED.");
    }

    /// <summary>Refuses a new ON_DEMAND stream past the account's limit.</summary>
    public void CheckOnDemandStreamLimit()
    {
        if (context.Streams.OnDemandStreamCount >= context.Options.OnDemandStreamCountLimit)
        {
            throw new KinesisException(ErrorCode.LimitExceededException,
                $"This request would exceed the on-demand stream count limit for the account {context.Account} in {context.Region}. Limit: {context.Options.OnDemandStreamCountLimit}.");
        }
    }

    /// <summary>Refuses <paramref name="additional"/> open shards past the account's shard limit.</summary>
    public void CheckShardLimit(int additional)
    {
        var open = context.Streams.OpenShardCount;
        if ((long)open + additional > context.Options.ShardLimit) // 64-bit: a ShardCount near int.MaxValue must not wrap around
        {
            throw new KinesisException(ErrorCode.LimitExceededException,
                $"This request would exceed the shard limit for the account {context.Account} in {context.Region}. Current shard count for the account: {open}. " +
                $"Limit: {context.Options.ShardLimit}. Number of additional shards that would have resulted from this request: {additional}. " +
                "Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.");
        }
    }

    private static string EncodeBilling(BillingCommitment b) =>
        string.Join('|', b.Status, Ms(b.StartedAt), Ms(b.EndedAt), Ms(b.EarliestAllowedEndAt));

    private static string Ms(DateTimeOffset? t) => t?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "";

    private static BillingCommitment DecodeBilling(string text)
    {
        var p = text.Split('|');
        DateTimeOffset? At(string v) => v.Length == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(v, CultureInfo.InvariantCulture));
        return new BillingCommitment(p[0], At(p[1]), At(p[2]), At(p[3]));
    }
}
