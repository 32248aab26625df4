package io.meshlens.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.tenancy.ReloadingTenantDirectory.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingTenantDirectoryTest {

  @TempDir Path dir;

  /** Writes the file with a distinct modification time, as an edit some seconds later would. */
  private static void write(Path f, String yaml, long mtimeSeconds) throws IOException {
    Files.writeString(f, yaml);
    Files.setLastModifiedTime(f, FileTime.fromMillis(mtimeSeconds * 1000));
  }

  @Test
  void changedFileIsTakenAndABadEditKeepsThePreviousDirectoryWithTheReason() throws IOException {
    Path f = dir.resolve("tenants.yaml");
    write(f, "tenants:\n  - name: shop\n    namespaces: [shop]\n", 1_000);
    ReloadingTenantDirectory t = new ReloadingTenantDirectory(f);
    assertThat(t.get().tenantOf("search", "c1")).isEqualTo("unassigned");
    assertThat(t.reloadIfChanged()).isEqualTo(Outcome.UNCHANGED);

    write(
        f,
        "tenants:\n  - name: shop\n    namespaces: [shop]\n  - name: search\n    namespaces: [search]\n",
        2_000);
    assertThat(t.reloadIfChanged()).isEqualTo(Outcome.RELOADED);
    assertThat(t.get().tenantOf("search", "c1")).isEqualTo("search");

    write(
        f,
        "tenants:\n  - name: search\n    namespaces: [search]\n  - name: search\n    namespaces: [x]\n",
        3_000);
    assertThat(t.reloadIfChanged()).isEqualTo(Outcome.REJECTED);
    assertThat(t.get().tenantOf("search", "c1")).isEqualTo("search");
    assertThat(t.get().tenantOf("shop", "c1")).isEqualTo("shop");
    assertThat(t.lastError())
        .get()
        .extracting(Exception::getMessage)
        .isEqualTo(f + ":4: tenant 'search' is already defined at line 2");
    assertThat(t.failedReloads()).isEqualTo(1);
    // The same bad file is not retried (nor re-reported) until it changes again.
    assertThat(t.reloadIfChanged()).isEqualTo(Outcome.UNCHANGED);

    write(f, "tenants:\n  - name: shop\n    namespaces: [shop]\n", 4_000);
    assertThat(t.reloadIfChanged()).isEqualTo(Outcome.RELOADED);
    assertThat(t.lastError()).isEmpty();
    assertThat(t.get().tenantOf("search", "c1")).isEqualTo("unassigned");
  }
}
