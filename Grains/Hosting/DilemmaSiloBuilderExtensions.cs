using Dilemma.Hosting.Settings;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Ai;
using Dilemma.Grains.Diagnostics;
using Dilemma.Grains.Embedded;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Research;
using Dilemma.Grains.Rooms;
using Dilemma.Grains.Scenarios;
using Dilemma.Grains.Storage;
using Dilemma.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace Dilemma.Grains.Hosting;

/// <summary>
/// The one place that says what a Dilemma silo holds. Embedded mode and cluster mode both come
/// through here and differ only in the storage they choose, so both run the same grains and
/// the same rules.
/// </summary>
public static class DilemmaSiloBuilderExtensions
{
    /// <summary>The Orleans invariant that loads MySqlConnector (not the plain word "MySqlConnector").</summary>
    public const string MySqlInvariant = "MySql.Data.MySqlConnector";

    /// <summary>Grains with process-memory storage: nothing survives the process.</summary>
    public static ISiloBuilder AddDilemmaInMemory(this ISiloBuilder silo)
    {
        silo.UseSystemTextJsonGrainStorageSerializer();
        silo.Services.AddSingleton<EmbeddedGrainStorage>();
        silo.Services.AddGrainStorage(StorageNames.Game, (services, _) => services.GetRequiredService<EmbeddedGrainStorage>());
        silo.UseInMemoryReminderService();
        silo.Services.AddSingleton<InMemoryAccountStore>();
        silo.Services.AddSingleton<IAccountStore>(services => services.GetRequiredService<InMemoryAccountStore>());
        silo.Services.AddSingleton<InMemoryResearchStore>();
        silo.Services.AddSingleton<IResearchStore>(services => services.GetRequiredService<InMemoryResearchStore>());
        silo.Services.AddSingleton<IHeldResearchReader>(services => services.GetRequiredService<InMemoryResearchStore>());
        silo.Services.AddSingleton<IResearchEraser>(services => services.GetRequiredService<InMemoryResearchStore>());
        silo.Services.AddSingleton<IResearchRetentionStore, InMemoryResearchRetentionStore>();
        silo.Services.AddSingleton<IResearchAggregates, InMemoryResearchAggregates>();
        silo.Services.AddSingleton<InMemoryResearchExportSource>();
        silo.Services.AddSingleton<IResearchExportSource>(services => services.GetRequiredService<InMemoryResearchExportSource>());
        silo.Services.AddSingleton<InMemoryExportLedger>();
        silo.Services.AddSingleton<IExportLedger>(services => services.GetRequiredService<InMemoryExportLedger>());
        silo.Services.AddSingleton<IResearchCounts, InMemoryResearchCounts>();
        silo.Services.AddSingleton<IStorageProbe, InMemoryStorageProbe>();
        silo.Services.AddSingleton<InMemoryFacilitatorActionStore>();
        silo.Services.AddSingleton<IFacilitatorActionStore>(services => services.GetRequiredService<InMemoryFacilitatorActionStore>());

        // Nothing outlives this process either way: what it keeps is bounded, so a long-running one does not grow without end.
        silo.Services.AddOptions<EmbeddedOptions>().BindSettings(EmbeddedOptions.SectionName);
        silo.Services.AddSingleton<EmbeddedSweepService>();
        silo.Services.AddHostedService(services => services.GetRequiredService<EmbeddedSweepService>());
        silo.Services.AddSingleton<ActivationShutdowns>();
        silo.Services.AddSingleton<IdleHeapCompaction>();
        silo.Services.AddHostedService(services => services.GetRequiredService<IdleHeapCompaction>());

        // Nothing outlives this process, so the first admin comes from a code printed at start-up.
        silo.Services.AddSingleton(new AdminSetupCode(enabled: true));
        AddCommonServices(silo.Services);
        silo.Services.AddDilemmaAi(silo.Configuration);
        return silo;
    }

    /// <summary>
    /// Grains with MySQL/MariaDB storage: grain state through Orleans' ADO.NET provider, records in our tables. A statement
    /// of grain state or reminders that waits longer than <paramref name="stateStatementTimeout"/> is stopped (see
    /// <c>FailureDetectionSettings.StorageStatementTimeout</c>).
    /// </summary>
    public static ISiloBuilder AddDilemmaMySql(this ISiloBuilder silo, string connectionString, TimeSpan stateStatementTimeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentOutOfRangeException.ThrowIfLessThan(stateStatementTimeout, TimeSpan.FromSeconds(1));

        // Orleans' providers set no timeout of their own, and the grain's call being given up by its caller does not stop
        // the statement: a locked row would hold the grain for the driver's default (30 s) while every call to it timed out.
        var stateConnectionString = new MySqlConnectionStringBuilder(connectionString)
        {
            DefaultCommandTimeout = (uint)stateStatementTimeout.TotalSeconds,
        }.ConnectionString;

        // JSON that System.Text.Json writes: readable in the table, and no CLR type names in it
        // to break when a class moves. Embedded mode uses the same serializer.
        silo.UseSystemTextJsonGrainStorageSerializer();
        silo.AddIncomingGrainCallFilter<StorageFailureFilter>();
        silo.AddAdoNetGrainStorage(StorageNames.Game, options =>
        {
            options.Invariant = MySqlInvariant;
            options.ConnectionString = stateConnectionString;

            // A cleared state is gone, row and all, as in embedded mode: only states nobody reads again are cleared (the
            // scenario a failed creation left), and a row kept for its version would hold on to the key for good.
            options.DeleteStateOnClear = true;
        });
        StorageFailureGrainStorage.Around(silo.Services, StorageNames.Game);

        // Round deadlines are reminders: in the database, on our own schema (Migrations/OrleansReminders), so a silo that dies loses none.
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = MySqlInvariant;
            options.ConnectionString = stateConnectionString;
        });
        silo.Services.AddSingleton(_ => new MySqlDataSource(connectionString));
        silo.Services.AddSingleton<IAccountStore, MySqlAccountStore>();
        silo.Services.AddSingleton<MySqlGroupCommit>();
        silo.Services.AddSingleton<IResearchStore, MySqlResearchStore>();
        silo.Services.AddSingleton<IHeldResearchReader, MySqlHeldResearchReader>();
        silo.Services.AddSingleton<IResearchEraser, MySqlResearchEraser>();
        silo.Services.AddSingleton<IResearchRetentionStore, MySqlResearchRetentionStore>();
        silo.Services.AddSingleton<IResearchAggregates, MySqlResearchAggregates>();
        silo.Services.AddSingleton<IResearchExportSource, MySqlResearchExportSource>();
        silo.Services.AddSingleton<IExportLedger, MySqlExportLedger>();
        silo.Services.AddSingleton<IResearchCounts, MySqlResearchCounts>();
        silo.Services.AddSingleton<IStorageProbe, MySqlStorageProbe>();
        silo.Services.AddSingleton<IFacilitatorActionStore, MySqlFacilitatorActionStore>();

        // Every silo must derive the same pseudonyms, and across restarts: no key made up per process here.
        silo.Services.AddOptions<PseudonymOptions>().Validate(
            o => !o.Pseudonymise || !string.IsNullOrEmpty(o.PseudonymKey),
            $"Research:PseudonymKey is required in cluster mode while Research:Pseudonymise is true: a secret of at least {PseudonymOptions.KeyMinLength} characters that every silo shares (environment variable Research__PseudonymKey).");

        // The first admin comes from the operator's grant-role command against the database.
        silo.Services.AddSingleton(new AdminSetupCode(enabled: false));
        AddCommonServices(silo.Services);
        silo.Services.AddDilemmaAi(silo.Configuration);
        return silo;
    }

    private static void AddCommonServices(IServiceCollection services)
    {
        services.AddOptions<GrainCollectionSettings>().BindSettings(GrainCollectionSettings.SectionName, new GrainCollectionSettingsValidator());
        services.AddOptions<GrainCollectionOptions>().Configure<IOptions<GrainCollectionSettings>>((collection, settings) =>
        {
            collection.CollectionAge = settings.Value.CollectionAge;
            collection.CollectionQuantum = settings.Value.CollectionQuantum;
        });
        services.AddOptions<AccountOptions>().BindSettings(AccountOptions.SectionName);
        services.AddOptions<RoomOptions>().BindSettings(RoomOptions.SectionName);
        services.AddOptions<GameOptions>().BindSettings(GameOptions.SectionName);
        services.AddHostedService<RoomSweepService>();
        services.AddOptions<RetentionOptions>().BindSettings(RetentionOptions.SectionName)
            .Validate(
                o => o.RetentionDays == 0 || o.RetentionDaysWithoutConsent <= o.RetentionDays,
                "Research:RetentionDaysWithoutConsent must not exceed Research:RetentionDays, the rule for rows with consent (environment variable Research__RetentionDaysWithoutConsent).");
        services.AddSingleton<ResearchRetention>();
        services.AddOptions<PseudonymOptions>().BindSettings(PseudonymOptions.SectionName);
        services.AddSingleton<Pseudonyms>();
        services.AddHostedService<ResearchRetentionScheduler>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<GameMetrics>();

        // Filled only where the gateway hosts this silo (embedded mode); a cluster silo's stays empty.
        services.AddSingleton<LocalPeerConnections>();
        services.TryAddSingleton(TimeProvider.System);

        // Stored room state carries Korean scenario text: keep it UTF-8 rather than \uXXXX escapes.
        services.Configure<SystemTextJsonGrainStorageSerializerOptions>(options =>
            options.JsonSerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All));
        services.AddSingleton(ScenarioBank.LoadEmbedded());
    }
}
