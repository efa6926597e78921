using System.CommandLine;
using Eddy.Host;

var root = new RootCommand("Eddy: a self-hosted, Kinesis-compatible streaming platform.");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(CertCommand.Create());
root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(FaultsCommand.Create());
// SIGTERM and Ctrl-C cancel the command's token and the command finishes on its own: `eddy serve` lets in-flight
// requests finish, then flushes and closes the store, however long that takes (System.CommandLine would otherwise
// return after 2 s and end the process in the middle of it).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = Timeout.InfiniteTimeSpan }).ConfigureAwait(false);
