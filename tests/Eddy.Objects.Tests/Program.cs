namespace Eddy.Objects.Tests;

/// <summary>The test assembly's entry point. The test runner never calls it (it loads the assembly); run as a program
/// with <see cref="CrashWriter.Command"/> it is the writer process that <see cref="FileObjectStoreCrashTests"/> kills.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [CrashWriter.Command, var root, var bucket, var seed])
        {
            await CrashWriter.RunAsync(root, bucket, int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }

        await Console.Error.WriteLineAsync($"usage: dotnet Eddy.Objects.Tests.dll {CrashWriter.Command} ROOT BUCKET SEED");
        return 2;
    }
}
