using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Orleans ADO.NET grain storage: the <c>OrleansQuery</c> table the provider loads its SQL from, the
/// <c>OrleansStorage</c> table, and the routines those queries call.
/// </summary>
/// <remarks>
/// Every row is keyed by <c>IdentityHash</c>, a SHA-256 over the whole grain identity, so the database
/// itself refuses a second row for one grain: a unique index over the raw identity columns would exceed
/// InnoDB's key length and would not treat two NULL extensions as equal. Each routine goes to the server as
/// one statement; <c>DELIMITER</c> is a mysql-client directive that a driver cannot send.
/// <para>
/// The schema has stored procedures only, no stored function: with binary logging on (MySQL 8's default),
/// creating a function needs SUPER or <c>log_bin_trust_function_creators=1</c>, which managed MySQL services
/// do not grant, whereas procedures need no more than CREATE ROUTINE. Each procedure therefore computes the
/// identity hash itself, from the same expression.
/// </para>
/// </remarks>
[Migration(2026112601, "Orleans ADO.NET grain storage")]
public sealed class OrleansGrainStorage : Migration
{
    // The provider reads the state's name, key and ServiceId through these parameter names; routines take
    // only what they use, since unused command parameters are ignored by the driver.
    private const string IdentityArguments = "@GrainIdN0, @GrainIdN1, @GrainTypeString, @GrainIdExtensionString, @ServiceId";

    // Routine parameters name their character set: left out, they would take the database's default, and a
    // latin1 default would turn every non-Latin key into '?' before it is hashed.
    private const string IdentityParameters = """
        IN p_GrainIdN0 BIGINT,
        IN p_GrainIdN1 BIGINT,
        IN p_GrainTypeString VARCHAR(512) CHARACTER SET utf8mb4,
        IN p_GrainIdExtensionString VARCHAR(512) CHARACTER SET utf8mb4,
        IN p_ServiceId VARCHAR(150) CHARACTER SET utf8mb4
        """;

    // The row's key: SHA-256 over the whole identity. Each variable-length part is prefixed with its length
    // in bytes, so no two identities share an encoding ('ab'+'c' vs 'a'+'bc'), and a NULL extension is encoded
    // apart from every string, '' included. Rows are found by this hash alone, so it must never change; every
    // procedure declares it first, from this one text.
    private const string IdentityVariable = """
        DECLARE v_identity BINARY(32) DEFAULT UNHEX(SHA2(CONCAT(
                LENGTH(p_ServiceId), ':', p_ServiceId, '|',
                LENGTH(p_GrainTypeString), ':', p_GrainTypeString, '|',
                p_GrainIdN0, '|',
                p_GrainIdN1, '|',
                IF(p_GrainIdExtensionString IS NULL, 'null', CONCAT(LENGTH(p_GrainIdExtensionString), ':', p_GrainIdExtensionString))
            ), 256));
        """;

    // The hash alone decides the row; comparing the stored identity as well turns a (practically impossible)
    // SHA-256 collision into a version conflict instead of another grain's state. COLLATE makes the
    // comparison exact and settles the collation of the routine parameters against the columns.
    private const string SameGrain = """
        IdentityHash = v_identity
            AND ServiceId = p_ServiceId COLLATE utf8mb4_bin
            AND GrainTypeString = p_GrainTypeString COLLATE utf8mb4_bin
            AND GrainIdN0 = p_GrainIdN0
            AND GrainIdN1 = p_GrainIdN1
            AND GrainIdExtensionString <=> p_GrainIdExtensionString COLLATE utf8mb4_bin
        """;

    // Routines run with the sql_mode in force when they were created, whatever the caller's session has.
    // Strict mode makes an over-long key an error instead of a silent truncation (which would hash the
    // truncated key and could merge two grains into one row).
    private const string RoutineSqlMode = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'";

    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE OrleansQuery (
                QueryKey VARCHAR(64) NOT NULL,
                QueryText VARCHAR(8000) NOT NULL,
                CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC
            """);

        // LONGBLOB: BLOB stops at 64 KiB, which a room's JSON state can reach.
        // The hashes Orleans computes are kept for inspection only; 32 bits are far too few to be a key.
        Execute.Sql("""
            CREATE TABLE OrleansStorage (
                IdentityHash BINARY(32) NOT NULL,
                GrainIdHash INT NOT NULL,
                GrainIdN0 BIGINT NOT NULL,
                GrainIdN1 BIGINT NOT NULL,
                GrainTypeHash INT NOT NULL,
                GrainTypeString VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
                GrainIdExtensionString VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                ServiceId VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
                PayloadBinary LONGBLOB NULL,
                ModifiedOn DATETIME(6) NOT NULL,
                Version INT NULL,
                CONSTRAINT PK_OrleansStorage PRIMARY KEY (IdentityHash)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC
            """);

        Execute.Sql(RoutineSqlMode);

        // SQL SECURITY INVOKER: the routines run with the application's own rights, so they keep working
        // if the account that ran the migration is later removed.
        Execute.Sql($"""
            CREATE PROCEDURE OrleansReadFromStorage(
                {IdentityParameters})
            READS SQL DATA
            SQL SECURITY INVOKER
            BEGIN
                {IdentityVariable}
                SELECT PayloadBinary, Version
                FROM OrleansStorage
                WHERE {SameGrain};
            END
            """);

        // A first write (no ETag) inserts version 1. When a row already exists, another activation won the
        // race: the duplicate-key error is handled (1062 only, so every other error, truncation included,
        // still reaches the caller) and NULL tells the provider it is a version conflict.
        // No handler for SQLWARNING: rolling back on any warning would make a write vanish without an error.
        Execute.Sql($"""
            CREATE PROCEDURE OrleansWriteToStorage(
                IN p_GrainIdHash INT,
                IN p_GrainTypeHash INT,
                {IdentityParameters},
                IN p_GrainStateVersion INT,
                IN p_PayloadBinary LONGBLOB)
            MODIFIES SQL DATA
            SQL SECURITY INVOKER
            BEGIN
                {IdentityVariable}
                DECLARE v_newVersion INT DEFAULT NULL;
                DECLARE v_rowExists BOOLEAN DEFAULT FALSE;
                DECLARE CONTINUE HANDLER FOR 1062 SET v_rowExists = TRUE;

                IF p_GrainStateVersion IS NULL THEN
                    INSERT INTO OrleansStorage (
                        IdentityHash, GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                        GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
                    VALUES (
                        v_identity, p_GrainIdHash, p_GrainIdN0, p_GrainIdN1, p_GrainTypeHash, p_GrainTypeString,
                        p_GrainIdExtensionString, p_ServiceId, p_PayloadBinary, UTC_TIMESTAMP(6), 1);
                    IF NOT v_rowExists THEN
                        SET v_newVersion = 1;
                    END IF;
                ELSE
                    UPDATE OrleansStorage
                    SET PayloadBinary = p_PayloadBinary, ModifiedOn = UTC_TIMESTAMP(6), Version = Version + 1
                    WHERE {SameGrain}
                        AND Version = p_GrainStateVersion;
                    IF ROW_COUNT() > 0 THEN
                        SET v_newVersion = p_GrainStateVersion + 1;
                    END IF;
                END IF;

                SELECT v_newVersion AS NewGrainStateVersion;
            END
            """);

        // Clearing keeps the row (payload NULL) with a new version: the provider sends that version with the
        // next write, which must then find a row to update.
        Execute.Sql($"""
            CREATE PROCEDURE OrleansClearStorage(
                {IdentityParameters},
                IN p_GrainStateVersion INT)
            MODIFIES SQL DATA
            SQL SECURITY INVOKER
            BEGIN
                {IdentityVariable}
                DECLARE v_newVersion INT DEFAULT NULL;

                UPDATE OrleansStorage
                SET PayloadBinary = NULL, ModifiedOn = UTC_TIMESTAMP(6), Version = Version + 1
                WHERE {SameGrain}
                    AND Version = p_GrainStateVersion;
                IF ROW_COUNT() > 0 THEN
                    SET v_newVersion = p_GrainStateVersion + 1;
                END IF;

                SELECT v_newVersion AS NewGrainStateVersion;
            END
            """);

        // Used when DeleteStateOnClear=true. The provider treats a result equal to the ETag it sent as a
        // conflict, so success returns the next version number although no row carries it any more.
        Execute.Sql($"""
            CREATE PROCEDURE OrleansDeleteStorage(
                {IdentityParameters},
                IN p_GrainStateVersion INT)
            MODIFIES SQL DATA
            SQL SECURITY INVOKER
            BEGIN
                {IdentityVariable}
                DECLARE v_newVersion INT DEFAULT NULL;

                DELETE FROM OrleansStorage
                WHERE {SameGrain}
                    AND Version = p_GrainStateVersion;
                IF ROW_COUNT() > 0 THEN
                    SET v_newVersion = p_GrainStateVersion + 1;
                END IF;

                SELECT v_newVersion AS NewGrainStateVersion;
            END
            """);

        Insert.IntoTable("OrleansQuery")
            .Row(new { QueryKey = "ReadFromStorageKey", QueryText = $"CALL OrleansReadFromStorage({IdentityArguments})" })
            .Row(new { QueryKey = "WriteToStorageKey", QueryText = $"CALL OrleansWriteToStorage(@GrainIdHash, @GrainTypeHash, {IdentityArguments}, @GrainStateVersion, @PayloadBinary)" })
            .Row(new { QueryKey = "ClearStorageKey", QueryText = $"CALL OrleansClearStorage({IdentityArguments}, @GrainStateVersion)" })
            .Row(new { QueryKey = "DeleteStorageKey", QueryText = $"CALL OrleansDeleteStorage({IdentityArguments}, @GrainStateVersion)" });
    }

    public override void Down()
    {
        Execute.Sql("DROP PROCEDURE IF EXISTS OrleansDeleteStorage");
        Execute.Sql("DROP PROCEDURE IF EXISTS OrleansClearStorage");
        Execute.Sql("DROP PROCEDURE IF EXISTS OrleansWriteToStorage");
        Execute.Sql("DROP PROCEDURE IF EXISTS OrleansReadFromStorage");
        Delete.Table("OrleansStorage");
        Delete.Table("OrleansQuery");
    }
}
