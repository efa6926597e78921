using System.CommandLine;
using Eddy.Host;

var root = new RootCommand("Eddy: a self-hosted, Kinesis-compatible streaming platform.");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(CertCommand.Create());
root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(FaultsCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
