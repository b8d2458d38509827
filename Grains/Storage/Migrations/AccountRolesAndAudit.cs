using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>Roles stored per account, and the audit of every grant and revocation.</summary>
/// <remarks>Same conventions as <see cref="ResearchTables"/>: utf8mb4 tables, UTC <c>DATETIME(6)</c>, named keys.</remarks>
[Migration(2026120241, "Account roles and role audit")]
public sealed class AccountRolesAndAudit : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    // Role names are fixed ASCII words compared exactly.
    private const string RoleType = "VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up()
    {
        // One row per role held. granted_by is null when the operator's command or the setup code granted it.
        Execute.Sql($"""
            CREATE TABLE user_roles (
                user_id BIGINT NOT NULL,
                role {RoleType} NOT NULL,
                granted_at DATETIME(6) NOT NULL,
                granted_by BIGINT NULL,
                CONSTRAINT pk_user_roles PRIMARY KEY (user_id, role),
                INDEX ix_user_roles_role (role),
                CONSTRAINT fk_user_roles_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
                CONSTRAINT fk_user_roles_granted_by FOREIGN KEY (granted_by) REFERENCES users (id)
            ) {TableOptions}
            """);

        // Append-only: who (changed_by, or the operator's name alone), whom, which role, granted or revoked, when.
        // changed_by_name keeps the name as it was then.
        Execute.Sql($"""
            CREATE TABLE role_changes (
                id BIGINT NOT NULL AUTO_INCREMENT,
                user_id BIGINT NOT NULL,
                role {RoleType} NOT NULL,
                change_type VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                changed_by BIGINT NULL,
                changed_by_name VARCHAR(64) NOT NULL,
                changed_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_role_changes PRIMARY KEY (id),
                INDEX ix_role_changes_user (user_id, id),
                CONSTRAINT fk_role_changes_user FOREIGN KEY (user_id) REFERENCES users (id),
                CONSTRAINT fk_role_changes_changed_by FOREIGN KEY (changed_by) REFERENCES users (id)
            ) {TableOptions}
            """);
    }

    public override void Down()
    {
        Delete.Table("role_changes");
        Delete.Table("user_roles");
    }
}
