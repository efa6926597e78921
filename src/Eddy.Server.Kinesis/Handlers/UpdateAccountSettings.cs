namespace Eddy.Server.Kinesis.Handlers;

internal static class UpdateAccountSettings
{
    public static async Task HandleAsync(Call c)
    {
        var status = c.Object("MinimumThroughputBillingCommitment") is { } m ? Call.String(m, "Status") : null;
        DescribeAccountSettings.Write(c, await c.Engine.UpdateAccountSettingsAsync(status ?? "DISABLED").ConfigureAwait(false));
    }
}
