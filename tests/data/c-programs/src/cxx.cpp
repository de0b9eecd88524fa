// C++: virtual dispatch, std::sort, std::map, iostreams, exceptions (the unwinder),
// and the futex-based one-time initialization of the static libstdc++.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
#include <map>
#include <algorithm>
#include <stdexcept>
#include <memory>
#include <cmath>
#include <iomanip>
struct Shape { virtual ~Shape() {} virtual double area() const = 0; };
struct Circle : Shape { double r; Circle(double r):r(r){} double area() const override { return M_PI*r*r; } };
struct Rect : Shape { double w,h; Rect(double w,double h):w(w),h(h){} double area() const override { return w*h; } };
static int thrower(int n) { if (n % 7 == 3) throw std::runtime_error("bad " + std::to_string(n)); return n * 2; }
int main() {
  std::vector<std::unique_ptr<Shape>> v;
  for (int i = 0; i < 50; i++) { if (i % 2) v.emplace_back(new Circle(i * 0.5)); else v.emplace_back(new Rect(i, i + 1)); }
  std::sort(v.begin(), v.end(), [](auto &a, auto &b){ return a->area() < b->area(); });
  double total = 0; for (auto &s : v) total += s->area();
  std::cout << std::fixed << std::setprecision(4) << total << "\n";
  std::map<std::string, int> m; std::istringstream in("the quick brown fox jumps over the lazy dog the end");
  std::string w; while (in >> w) m[w]++;
  for (auto &p : m) std::cout << p.first << ":" << p.second << " ";
  std::cout << "\n";
  int caught = 0, sum = 0;
  for (int i = 0; i < 100; i++) { try { sum += thrower(i); } catch (const std::exception &e) { caught++; if (caught == 1) std::cout << e.what() << "\n"; } }
  std::cout << caught << " " << sum << "\n";
  std::ostringstream os; os << std::hex << 0xdeadbeef << " " << std::scientific << 12345.678;
  std::cout << os.str() << std::endl;
  return 0;
}
