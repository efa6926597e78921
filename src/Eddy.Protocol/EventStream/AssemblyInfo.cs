using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Eddy.Protocol.Tests")]
