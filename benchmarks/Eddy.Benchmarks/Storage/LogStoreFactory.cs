using System.Reflection;
using Eddy.Storage;

namespace Eddy.Benchmarks.Storage;

/// <summary>The store configurations the storage benchmarks compare.</summary>
public enum StoreKind
{
    /// <summary><c>MemoryLogStore</c>: the in-memory twin (cost of the log machinery without I/O).</summary>
    Memory,
    /// <summary><c>FileLogStore</c>, <see cref="FsyncPolicy.Always"/>: fdatasync per group commit (the durable default).</summary>
    FileFsyncAlways,
    /// <summary><c>FileLogStore</c>, <see cref="FsyncPolicy.Interval"/>: write(2) per group commit, fsync in the background.</summary>
    FileFsyncInterval,
}

/// <summary>
/// Creates the stores under test. Written against <see cref="ILogStore"/> only: the implementations are located
/// by name (<c>Eddy.Storage.FileLogStore</c>, <c>Eddy.Storage.MemoryLogStore</c>) through a public constructor or
/// static factory taking <see cref="LogStoreOptions"/> (or nothing), so this project builds whatever their exact
/// construction API turns out to be.
/// </summary>
public static class LogStoreFactory
{
    public static ILogStore Create(StoreKind kind, string directory)
    {
        var options = new LogStoreOptions
        {
            Directory = directory,
            Fsync = kind == StoreKind.FileFsyncInterval ? FsyncPolicy.Interval : FsyncPolicy.Always,
        };
        string typeName = kind == StoreKind.Memory ? "Eddy.Storage.MemoryLogStore" : "Eddy.Storage.FileLogStore";
        Type type = typeof(ILogStore).Assembly.GetType(typeName)
            ?? throw new NotSupportedException($"{typeName} does not exist (yet) in Eddy.Storage");
        return Construct(type, options)
            ?? throw new NotSupportedException($"{typeName}: no public constructor or static Open/Create/OpenAsync/CreateAsync taking LogStoreOptions");
    }

    private static ILogStore? Construct(Type type, LogStoreOptions options)
    {
        foreach (ConstructorInfo ctor in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            if (TryArguments(ctor.GetParameters(), options, out object?[]? args))
            {
                return (ILogStore)ctor.Invoke(args);
            }
        }

        foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (method.Name is not ("Open" or "Create" or "OpenAsync" or "CreateAsync")
                || !TryArguments(method.GetParameters(), options, out object?[]? args))
            {
                continue;
            }

            object? result = method.Invoke(null, args);
            result = result switch
            {
                Task task => AwaitResult(task),
                ValueTask<ILogStore> vt => vt.AsTask().GetAwaiter().GetResult(),
                _ when result?.GetType().Name.StartsWith("ValueTask", StringComparison.Ordinal) == true
                    => AwaitResult((Task)result.GetType().GetMethod("AsTask")!.Invoke(result, null)!),
                _ => result,
            };
            if (result is ILogStore store)
            {
                return store;
            }
        }

        return null;
    }

    private static object? AwaitResult(Task task)
    {
        task.GetAwaiter().GetResult();
        return task.GetType().GetProperty("Result")?.GetValue(task);
    }

    private static bool TryArguments(ParameterInfo[] parameters, LogStoreOptions options, out object?[]? args)
    {
        args = new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            Type t = parameters[i].ParameterType;
            if (t == typeof(LogStoreOptions))
            {
                args[i] = options;
            }
            else if (t == typeof(string) && parameters[i].Name?.Contains("dir", StringComparison.OrdinalIgnoreCase) == true)
            {
                args[i] = options.Directory;
            }
            else if (t == typeof(TimeProvider))
            {
                args[i] = options.Time;
            }
            else if (t == typeof(CancellationToken))
            {
                args[i] = CancellationToken.None;
            }
            else if (parameters[i].HasDefaultValue)
            {
                args[i] = parameters[i].DefaultValue;
            }
            else
            {
                args = null;
                return false;
            }
        }

        return true;
    }
}
