using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Orleans ADO.NET reminder storage (<c>Microsoft.Orleans.Reminders.AdoNet</c> 10.4.x): the
/// <c>OrleansRemindersTable</c> and the seven queries the provider loads from <c>OrleansQuery</c>
/// by key. Round deadlines are reminders, so a silo that dies does not lose them.
/// </summary>
/// <remarks>
/// The provider binds <c>@ServiceId</c>, <c>@GrainId</c>, <c>@ReminderName</c>, <c>@StartTime</c>,
/// <c>@Period</c> (milliseconds), <c>@GrainHash</c>, <c>@Version</c>, <c>@BeginHash</c>, <c>@EndHash</c>,
/// and reads the columns <c>GrainId, ReminderName, StartTime, Period, Version</c> by name: those
/// names are its contract. The upsert's version is an optimistic-concurrency counter: a new row
/// starts at 0, each update adds one, and the number goes back through <c>LAST_INSERT_ID</c>, since
/// ON DUPLICATE KEY UPDATE cannot return the row it changed.
/// The key stays under InnoDB's 3072 bytes: 150 + 150 + 150 characters of utf8mb4.
/// </remarks>
[Migration(2026120314, "Orleans ADO.NET reminder storage")]
public sealed class OrleansReminders : Migration
{
    private const string Columns = "GrainId, ReminderName, StartTime, Period, Version";

    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE OrleansRemindersTable (
                ServiceId VARCHAR(150) NOT NULL,
                GrainId VARCHAR(150) NOT NULL,
                ReminderName VARCHAR(150) NOT NULL,
                StartTime DATETIME(6) NOT NULL,
                Period BIGINT NOT NULL,
                GrainHash INT NOT NULL,
                Version INT NOT NULL,
                CONSTRAINT pk_orleans_reminders PRIMARY KEY (ServiceId, GrainId, ReminderName),
                INDEX ix_orleans_reminders_hash (ServiceId, GrainHash)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC
            """);

        Insert.IntoTable("OrleansQuery")
            .Row(new
            {
                QueryKey = "UpsertReminderRowKey",
                QueryText = """
                    INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
                    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, LAST_INSERT_ID(0))
                    ON DUPLICATE KEY UPDATE StartTime = @StartTime, Period = @Period, GrainHash = @GrainHash, Version = LAST_INSERT_ID(Version + 1);
                    SELECT LAST_INSERT_ID() AS Version;
                    """,
            })
            .Row(new
            {
                QueryKey = "ReadReminderRowsKey",
                QueryText = $"SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainId = @GrainId",
            })
            .Row(new
            {
                QueryKey = "ReadReminderRowKey",
                QueryText = $"SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName",
            })
            .Row(new
            {
                // A silo's slice of the hash ring, when it does not wrap around...
                QueryKey = "ReadRangeRows1Key",
                QueryText = $"SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash",
            })
            .Row(new
            {
                // ...and when it does.
                QueryKey = "ReadRangeRows2Key",
                QueryText = $"SELECT {Columns} FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash)",
            })
            .Row(new
            {
                QueryKey = "DeleteReminderRowKey",
                QueryText = """
                    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version;
                    SELECT ROW_COUNT();
                    """,
            })
            .Row(new
            {
                QueryKey = "DeleteReminderRowsKey",
                QueryText = "DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId",
            });
    }

    public override void Down()
    {
        Execute.Sql("DELETE FROM OrleansQuery WHERE QueryKey IN ('UpsertReminderRowKey', 'ReadReminderRowsKey', 'ReadReminderRowKey', 'ReadRangeRows1Key', 'ReadRangeRows2Key', 'DeleteReminderRowKey', 'DeleteReminderRowsKey')");
        Delete.Table("OrleansRemindersTable");
    }
}
