namespace Eddy.Core.Glue;

/// <summary>
/// The AWS Glue Data Catalog subset Eddy serves (databases and tables; <c>AWSGlue.*</c> on the server's port) and that
/// Firehose reads its record format conversion schema from. Databases and tables cross the port as JSON text of the Glue
/// model's shapes (<c>DatabaseInput</c>/<c>TableInput</c> in, <c>Database</c>/<c>Table</c> out), so Core parses no JSON.
/// Names are case-insensitive and stored in lower case, as Glue stores them.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Thread-safe: changes run one at a time and are in the catalog before the call returns; reads
/// see the last change.</para>
/// <para><b>Failure.</b> Refusals are <see cref="GlueException"/>s with Glue's error types
/// (<c>EntityNotFoundException</c>, <c>AlreadyExistsException</c>, <c>InvalidInputException</c>,
/// <c>ConcurrentModificationException</c>); a call that throws has changed nothing.</para>
/// <para><b>Cancellation.</b> Observed before a change starts; a change that has started completes.</para>
/// <para><b>Catalog ids.</b> A <c>CatalogId</c> other than the server's account is not found (one account per server).</para>
/// </remarks>
public interface IGlueDataCatalog
{
    ValueTask CreateDatabaseAsync(string? catalogId, string databaseInputJson, CancellationToken cancellationToken = default);

    /// <summary>The <c>Database</c> object as JSON.</summary>
    ValueTask<string> GetDatabaseAsync(string? catalogId, string name, CancellationToken cancellationToken = default);

    /// <summary>A page of <c>Database</c> objects in name order.</summary>
    ValueTask<GluePage> GetDatabasesAsync(string? catalogId, string? nextToken, int? maxResults, CancellationToken cancellationToken = default);

    /// <summary>Deletes the database and every table in it.</summary>
    ValueTask DeleteDatabaseAsync(string? catalogId, string name, CancellationToken cancellationToken = default);

    ValueTask CreateTableAsync(string? catalogId, string databaseName, string tableInputJson, CancellationToken cancellationToken = default);

    /// <summary>The <c>Table</c> object (its current version) as JSON.</summary>
    ValueTask<string> GetTableAsync(string? catalogId, string databaseName, string name, CancellationToken cancellationToken = default);

    /// <summary>A page of <c>Table</c> objects in name order; <paramref name="expression"/> filters names (a regular
    /// expression, <c>*</c> standing for any characters).</summary>
    ValueTask<GluePage> GetTablesAsync(string? catalogId, string databaseName, string? expression, string? nextToken, int? maxResults, CancellationToken cancellationToken = default);

    /// <summary>Replaces the table's definition with <paramref name="tableInputJson"/> as its next version;
    /// <paramref name="versionId"/>, when given, must be the current version (else <c>ConcurrentModificationException</c>);
    /// <paramref name="skipArchive"/> drops the previous version instead of keeping it.</summary>
    ValueTask UpdateTableAsync(string? catalogId, string databaseName, string tableInputJson, string? versionId, bool skipArchive, CancellationToken cancellationToken = default);

    ValueTask DeleteTableAsync(string? catalogId, string databaseName, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// The columns of a table version (<paramref name="versionId"/> null or <c>LATEST</c>: the current one) as a reader of
    /// the table needs them (Firehose's record format conversion): <c>StorageDescriptor.Columns</c> in order.
    /// </summary>
    ValueTask<GlueTableSchema> GetTableSchemaAsync(string? catalogId, string databaseName, string tableName, string? versionId, CancellationToken cancellationToken = default);
}

/// <summary>One page of a listing: each item's JSON, and the token of the next page (null: the last page).</summary>
public sealed record GluePage(IReadOnlyList<string> ItemsJson, string? NextToken);

/// <summary>A table version's columns: names in lower case, Hive type strings as stored (<c>int</c>,
/// <c>decimal(10,2)</c>, <c>array&lt;struct&lt;a:string&gt;&gt;</c>).</summary>
public sealed record GlueTableSchema(string CatalogId, string DatabaseName, string TableName, string VersionId, IReadOnlyList<GlueColumn> Columns);

/// <summary>A column: name and Hive type.</summary>
public sealed record GlueColumn(string Name, string Type);
