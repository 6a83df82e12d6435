// A C++ program with overloaded member functions in a namespace, for
// probes by demangled name. Usage: server N [END_MS].
#include <cstdlib>
#include <unistd.h>

namespace MyApp {
class Server {
public:
	__attribute__((noinline, noclone)) int handle_request(int fd) { hits += fd; return hits; }
	__attribute__((noinline, noclone)) int handle_request(const char *s) { hits += s[0]; return hits; }
	int hits = 0;
};
}

int main(int argc, char **argv)
{
	MyApp::Server s;
	int n = argc > 1 ? atoi(argv[1]) : 1;
	for (int i = 0; i < n; i++) {
		s.handle_request(i + 10);
		if (i % 2 == 0)
			s.handle_request("abc");
	}
	if (argc > 2)
		usleep(atoi(argv[2]) * 1000);
	return s.hits > 1000000;
}
