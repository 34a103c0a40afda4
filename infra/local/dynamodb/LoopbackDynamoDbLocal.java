// Starts DynamoDB Local listening on one address (the system property `dynamodb.local.host`, 127.0.0.1
// by default) instead of every interface (docs/architecture.md §6, "DynamoDB"). DynamoDB Local has no
// option for it: its server is a Jetty server made with a port only. This launcher builds the server as
// DynamoDB Local's own main does, from the same command line, sets the host on its connector and starts
// it. It is run from source (`java -cp <DynamoDB Local> LoopbackDynamoDbLocal.java <options>`), so it
// needs no build step; it sets up no telemetry (the main it replaces is what would).
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    if (proxy == null) throw new IllegalArgumentException("DynamoDB Local refused its command line");
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local's server has no connector");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) {
        throw new IllegalStateException("DynamoDB Local's connector is not a ServerConnector: " + connector);
      }
      ((ServerConnector) connector).setHost(host);
    }
    proxy.start();
    exitWithParent();
  }

  /**
   * The process that started this one holds its standard input open; when that process ends, even
   * killed with SIGKILL, the input closes and this server exits with it, so no test run or local
   * cloud that died leaves a DynamoDB Local behind.
   */
  private static void exitWithParent() {
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // Nothing is ever sent: only the end of the input matters.
        }
      } catch (java.io.IOException ignored) {
        // A broken pipe is the parent gone, too.
      }
      System.exit(0);
    }, "exit-with-parent");
    watcher.setDaemon(true);
    watcher.start();
  }
}
