using System.Text;
using Eddy.Core;
using Eddy.Protocol;
using Eddy.Server.Kinesis.Limits;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Eddy.Server.Tests;

/// <summary>The control-plane call rates on a fake clock: bursts of one second's worth, then the rate.</summary>
public class ControlPlaneLimitsTests
{
    private static RequestInfo Request(KinesisAction action, string body = "{}")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return new RequestInfo(new DefaultHttpContext(), KinesisTarget.SigningName, action.ToString(), bytes, bytes);
    }

    private static bool Allowed(ControlPlaneLimits limits, KinesisAction action, string body = "{}")
    {
        try
        {
            limits.OnRequestAsync(Request(action, body)).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (KinesisException e) when (e.Code == ErrorCode.LimitExceededException)
        {
            return false;
        }
    }

    [Fact]
    public void An_account_rate_allows_one_seconds_burst_then_refills_at_its_rate()
    {
        var time = new FakeTimeProvider();
        var limits = new ControlPlaneLimits("000000000000", time);
        Assert.True(Allowed(limits, KinesisAction.DescribeLimits));
        var e = Assert.Throws<KinesisException>(() => limits.OnRequestAsync(Request(KinesisAction.DescribeLimits)).AsTask().GetAwaiter().GetResult());
        Assert.Equal((ErrorCode.LimitExceededException, "Rate exceeded for account 000000000000."), (e.Code, e.Message));
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(Allowed(limits, KinesisAction.DescribeLimits));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(Allowed(limits, KinesisAction.DescribeLimits));
    }

    [Fact]
    public void A_stream_named_rate_counts_for_the_account_and_names_the_stream()
    {
        var time = new FakeTimeProvider();
        var limits = new ControlPlaneLimits("000000000000", time);
        const string cp = """{"StreamName":"cp"}""";
        Assert.Equal(5, Enumerable.Range(0, 8).Count(_ => Allowed(limits, KinesisAction.ListTagsForStream, cp)));
        var e = Assert.Throws<KinesisException>(() => limits.OnRequestAsync(Request(KinesisAction.ListTagsForStream, cp)).AsTask().GetAwaiter().GetResult());
        Assert.Equal("Rate exceeded for stream cp under account 000000000000.", e.Message);
        Assert.False(Allowed(limits, KinesisAction.ListTagsForStream, """{"StreamName":"other"}""")); // per account
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(Allowed(limits, KinesisAction.ListTagsForStream, cp));
        Assert.False(Allowed(limits, KinesisAction.ListTagsForStream, cp));
    }

    [Fact]
    public void A_per_stream_rate_is_counted_per_stream()
    {
        var time = new FakeTimeProvider();
        var limits = new ControlPlaneLimits("000000000000", time);
        Assert.Equal(5, Enumerable.Range(0, 7).Count(_ => Allowed(limits, KinesisAction.ListStreamConsumers, """{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/a"}""")));
        Assert.True(Allowed(limits, KinesisAction.ListStreamConsumers, """{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/b"}"""));
        Assert.True(Allowed(limits, KinesisAction.ListShards, """{"StreamName":"a"}""")); // each action has its own budget
    }
}
