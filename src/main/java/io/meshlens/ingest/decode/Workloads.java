package io.meshlens.ingest.decode;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workload a pod belongs to, from the pod's name, for records that name the pod only (access
 * log lines with Kubernetes metadata). Kubernetes names a Deployment's pods {@code
 * <deployment>-<pod-template-hash>-<5 chars>}, a DaemonSet's or Job's {@code <name>-<5 chars>} and
 * a StatefulSet's {@code <name>-<ordinal>}; the random parts use the alphabet {@code
 * bcdfghjklmnpqrstvwxz2456789}.
 */
public final class Workloads {

  private static final String RANDOM = "[bcdfghjklmnpqrstvwxz2456789]";
  private static final Pattern DEPLOYMENT =
      Pattern.compile("(.+)-" + RANDOM + "{6,10}-" + RANDOM + "{5}");
  private static final Pattern GENERATED = Pattern.compile("(.+)-" + RANDOM + "{5}");
  private static final Pattern ORDINAL = Pattern.compile("(.+)-[0-9]+");

  private Workloads() {}

  /** The workload's name, or the pod's own name when it follows none of the patterns. */
  public static String fromPod(String pod) {
    if (pod == null || pod.isEmpty()) {
      return "";
    }
    for (Pattern p : new Pattern[] {DEPLOYMENT, GENERATED, ORDINAL}) {
      Matcher m = p.matcher(pod);
      if (m.matches()) {
        return m.group(1);
      }
    }
    return pod;
  }
}
