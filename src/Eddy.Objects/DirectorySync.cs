using System.Runtime.InteropServices;

namespace Eddy.Objects;

/// <summary>
/// fsync of a directory, so that a newly created or renamed file's directory entry survives power loss. POSIX only
/// (.NET cannot open a directory as a file handle); a no-op elsewhere and best effort everywhere (some file systems
/// refuse fsync on directories). The same as Eddy.Storage's: Objects references Core only, and Core does no I/O.
/// </summary>
internal static partial class DirectorySync
{
    public static void Flush(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
        {
            return;
        }

        try
        {
            int fd = Open(directory, 0 /* O_RDONLY */);
            if (fd < 0)
            {
                return;
            }

            _ = Fsync(fd);
            _ = Close(fd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc to call: nothing more can be done.
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
