using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eddy.Core;

namespace Eddy.Streams.Encryption;

/// <summary>A master key: 256 random bits, a KMS-style key id (GUID) and a short handle that encrypted payloads carry.</summary>
public sealed class MasterKey
{
    internal MasterKey(string id, uint handle, byte[] material, long createdMs, bool enabled, string? description, string arn)
    {
        Id = id;
        Handle = handle;
        Material = material;
        CreatedMs = createdMs;
        Enabled = enabled;
        Description = description;
        Arn = arn;
    }

    public string Id { get; }
    public uint Handle { get; }
    internal byte[] Material { get; }
    public long CreatedMs { get; }
    public bool Enabled { get; }
    public string? Description { get; }
    public string Arn { get; }
}

/// <summary>
/// The local stand-in for KMS: master keys and aliases in <c>&lt;data-dir&gt;/keys/keystore.json</c>
/// (docs/formats/key-store.md), or in memory when there is no data directory.
/// </summary>
/// <remarks>
/// Threading: all members are thread-safe (lookups by handle read an immutable snapshot; the rest runs under one lock,
/// shared by every instance on the same directory in the process, so callers in one process take turns and never meet
/// on the lock file). Changes are written with write-temp-fsync-rename under an exclusive lock file, so the CLI
/// (<c>eddy keys</c>) and a running server can both change the file; a lookup that misses reloads the file when it
/// changed on disk. Nothing waits for another process: a change while another process holds the lock file (it does so
/// for one write and fsync) fails at once with <see cref="KeyStoreBusyException"/> and changes nothing; the server
/// answers it as <c>KMSThrottlingException</c>, <c>eddy keys create</c> as an error to retry.
/// </remarks>
public sealed class KeyStore
{
    public const int FormatVersion = 1;
    public const string ManagedAlias = "alias/aws/kinesis";
    public const string FileName = "keystore.json";

    private readonly string? _directory;
    private readonly string _region;
    private readonly string _account;
    private readonly Func<long> _nowMs;
    // One lock per key store directory (full path) in the process: two instances on one directory take turns on it
    // instead of contending for the lock file, which only another process can then hold.
    private static readonly ConcurrentDictionary<string, Lock> s_directoryLocks = new(StringComparer.Ordinal);

    private readonly Lock _lock;
    private Snapshot _snapshot = Snapshot.Empty;
    private DateTime _loadedWriteTime;

    private sealed record Snapshot(IReadOnlyDictionary<string, MasterKey> ById, IReadOnlyDictionary<uint, MasterKey> ByHandle,
        IReadOnlyDictionary<string, string> Aliases)
    {
        public static readonly Snapshot Empty = new(new Dictionary<string, MasterKey>(), new Dictionary<uint, MasterKey>(), new Dictionary<string, string>());
    }

    /// <summary>Opens (or prepares) the store in <paramref name="directory"/>; null keeps the keys in memory only.</summary>
    public KeyStore(string? directory, string region, string account, TimeProvider? time = null)
    {
        _directory = directory;
        _lock = directory is null ? new Lock() : s_directoryLocks.GetOrAdd(Path.GetFullPath(directory), _ => new Lock());
        _region = region;
        _account = account;
        var clock = time ?? TimeProvider.System;
        _nowMs = () => clock.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock) Reload(force: true);
    }

    public string? FilePath => _directory is null ? null : Path.Combine(_directory, FileName);

    public IReadOnlyCollection<MasterKey> Keys => [.. _snapshot.ById.Values.OrderBy(k => k.CreatedMs).ThenBy(k => k.Id)];

    /// <summary>Alias name (<c>alias/...</c>) → key id.</summary>
    public IReadOnlyDictionary<string, string> Aliases => _snapshot.Aliases;

    public string KeyArn(string id) => $"arn:aws:kms:{_region}:{_account}:key/{id}";

    public string AliasArn(string alias) => $"arn:aws:kms:{_region}:{_account}:{alias}";

    /// <summary>The key a handle names (decryption); null when the store has no such key.</summary>
    public MasterKey? ByHandle(uint handle)
    {
        if (_snapshot.ByHandle.TryGetValue(handle, out var key)) return key;
        lock (_lock)
        {
            Reload(force: false);
            return _snapshot.ByHandle.GetValueOrDefault(handle);
        }
    }

    /// <summary>
    /// Resolves a StartStreamEncryption KeyId (key ARN, alias ARN, key GUID, <c>alias/NAME</c>, <c>alias/aws/kinesis</c>)
    /// to an enabled key, creating the Kinesis-managed key on first use of <c>alias/aws/kinesis</c>.
    /// </summary>
    /// <exception cref="KinesisException">KMSNotFoundException (unknown or malformed id), KMSDisabledException,
    /// KMSThrottlingException (the managed key is to be created while another process is changing the store).</exception>
    public MasterKey Resolve(string keyId)
    {
        lock (_lock)
        {
            var key = TryResolve(keyId, out var error);
            if (key is null)
            {
                Reload(force: false);
                key = TryResolve(keyId, out error);
            }
            if (key is null && IsManagedAlias(keyId))
            {
                try
                {
                    key = CreateLocked(ManagedAlias, "Default key that protects my Kinesis data when no other key is defined");
                }
                catch (KeyStoreBusyException e)
                {
                    throw new KinesisException(ErrorCode.KMSThrottlingException, e.Message);
                }
            }
            if (key is null) throw new KinesisException(ErrorCode.KMSNotFoundException, error);
            if (!key.Enabled) throw new KinesisException(ErrorCode.KMSDisabledException, $"{key.Arn} is disabled.");
            return key;
        }
    }

    /// <summary>Creates a new 256-bit master key, optionally under an alias (<c>alias/NAME</c> or <c>NAME</c>).</summary>
    /// <exception cref="KeyStoreBusyException">Another process is changing the store; nothing was changed, try again.</exception>
    public MasterKey Create(string? alias, string? description = null)
    {
        lock (_lock) return CreateLocked(alias, description);
    }

    private bool IsManagedAlias(string keyId) => keyId == ManagedAlias || keyId == AliasArn(ManagedAlias);

    private MasterKey? TryResolve(string keyId, out string error)
    {
        var snap = _snapshot;
        error = $"Invalid keyId '{keyId}'";
        if (keyId.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = keyId.Split(':', 6);
            if (parts.Length != 6 || parts[2] != "kms" || !parts[1].StartsWith("aws", StringComparison.Ordinal)) return null;
            if (parts[5].StartsWith("key/", StringComparison.Ordinal))
            {
                error = $"Key '{keyId}' does not exist";
                return parts[3] == _region && parts[4] == _account ? snap.ById.GetValueOrDefault(parts[5]["key/".Length..]) : null;
            }
            if (parts[5].StartsWith("alias/", StringComparison.Ordinal))
            {
                error = $"Alias {keyId} is not found.";
                return parts[3] == _region && parts[4] == _account && snap.Aliases.TryGetValue(parts[5], out var target)
                    ? snap.ById.GetValueOrDefault(target) : null;
            }
            return null;
        }
        if (keyId.StartsWith("alias/", StringComparison.Ordinal))
        {
            error = $"Alias {AliasArn(keyId)} is not found.";
            return snap.Aliases.TryGetValue(keyId, out var target) ? snap.ById.GetValueOrDefault(target) : null;
        }
        if (Guid.TryParseExact(keyId, "D", out _))
        {
            error = $"Key '{KeyArn(keyId)}' does not exist";
            return snap.ById.GetValueOrDefault(keyId.ToLowerInvariant());
        }
        return null;
    }

    private MasterKey CreateLocked(string? alias, string? description)
    {
        using var fileLock = _directory is null ? null : OpenLock();

        // Always read the file under the lock: its write time alone can miss a change (two writes within one tick of
        // the file system's clock), and a change made on a stale copy would drop the other writer's key.
        Reload(force: true);
        if (alias is not null && !alias.StartsWith("alias/", StringComparison.Ordinal)) alias = "alias/" + alias;
        if (alias is not null && (alias.Length <= "alias/".Length || alias.Length > 256 || !alias.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-')))
            throw new ArgumentException($"Alias {alias} is not valid: 1-250 characters of a-z, A-Z, 0-9, '/', '_' and '-' after 'alias/'.", nameof(alias));
        if (alias == ManagedAlias && TryResolve(alias, out _) is { } managed) return managed; // another process made it first
        if (alias is not null && _snapshot.Aliases.ContainsKey(alias))
            throw new InvalidOperationException($"An alias with the name {AliasArn(alias)} already exists");
        var id = Guid.NewGuid().ToString("D");
        var handle = _snapshot.ByHandle.Count == 0 ? 1u : _snapshot.ByHandle.Keys.Max() + 1;
        var key = new MasterKey(id, handle, RandomNumberGenerator.GetBytes(32), _nowMs(), enabled: true, description, KeyArn(id));
        var byId = new Dictionary<string, MasterKey>(_snapshot.ById) { [id] = key };
        var aliases = new Dictionary<string, string>(_snapshot.Aliases, StringComparer.Ordinal);
        if (alias is not null) aliases[alias] = id;
        var next = new Snapshot(byId, byId.Values.ToDictionary(k => k.Handle), aliases);
        Save(next);
        _snapshot = next;
        return key;
    }

    // ---- persistence ---------------------------------------------------------------------------------------------

    private void Reload(bool force)
    {
        var path = FilePath;
        if (path is null || !File.Exists(path)) return;
        var written = File.GetLastWriteTimeUtc(path);
        if (!force && written == _loadedWriteTime) return;
        _snapshot = Parse(File.ReadAllBytes(path), path);
        _loadedWriteTime = written;
    }

    private Snapshot Parse(byte[] json, string path)
    {
        var root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        var version = root["version"]?.GetValue<int>() ?? 0;
        if (version != FormatVersion) throw new InvalidDataException($"{path}: unsupported key store version {version} (expected {FormatVersion})");
        var byId = new Dictionary<string, MasterKey>(StringComparer.Ordinal);
        foreach (var node in root["keys"]?.AsArray() ?? [])
        {
            var k = node!.AsObject();
            var id = k["keyId"]!.GetValue<string>();
            var material = Convert.FromBase64String(k["material"]!.GetValue<string>());
            if (material.Length != 32) throw new InvalidDataException($"{path}: key {id} is not 256 bits");
            byId[id] = new MasterKey(id, k["handle"]!.GetValue<uint>(), material, k["createdMs"]?.GetValue<long>() ?? 0,
                k["enabled"]?.GetValue<bool>() ?? true, k["description"]?.GetValue<string>(), KeyArn(id));
        }
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root["aliases"] is JsonObject a)
            foreach (var (name, target) in a) aliases[name] = target!.GetValue<string>();
        return new Snapshot(byId, byId.Values.ToDictionary(k => k.Handle), aliases);
    }

    private void Save(Snapshot snap)
    {
        if (_directory is null) return;
        Directory.CreateDirectory(_directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var root = new JsonObject
        {
            ["version"] = FormatVersion,
            ["keys"] = new JsonArray([.. snap.ById.Values.OrderBy(k => k.Handle).Select(k => (JsonNode)new JsonObject
            {
                ["keyId"] = k.Id,
                ["handle"] = k.Handle,
                ["material"] = Convert.ToBase64String(k.Material),
                ["createdMs"] = k.CreatedMs,
                ["enabled"] = k.Enabled,
                ["description"] = k.Description,
            })]),
            ["aliases"] = new JsonObject(snap.Aliases.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
        };
        var path = FilePath!;
        var temp = path + ".tmp";
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true })) root.WriteTo(writer);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        _loadedWriteTime = File.GetLastWriteTimeUtc(path);
    }

    /// <summary>An exclusive lock file next to the store (flock on Unix, a sharing-mode lock on Windows), so two processes
    /// never interleave read-modify-write. Taken under <see cref="_lock"/>, so only another process can be holding it:
    /// then this fails at once (the holder is in the middle of one write, a retry a moment later succeeds).</summary>
    private FileStream OpenLock()
    {
        Directory.CreateDirectory(_directory!);
        var path = Path.Combine(_directory!, ".lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && File.Exists(path))
        {
            throw new KeyStoreBusyException(_directory!, e);
        }
    }
}

/// <summary>Another process (a server creating <c>alias/aws/kinesis</c>, or an <c>eddy keys create</c>) holds the key
/// store's lock file while it writes the store: the change was not made, and a retry a moment later succeeds.</summary>
public sealed class KeyStoreBusyException(string directory, Exception inner)
    : IOException($"The key store in {directory} is being changed by another process (eddy keys create, or a server creating alias/aws/kinesis); nothing was changed, try again.", inner)
{
    public string Directory { get; } = directory;
}
