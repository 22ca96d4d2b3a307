/* Floating point through libc: printf %f %e %g %a (and widths,
 * precisions, flags) of ordinary, tiny, huge, subnormal and special values;
 * strtod of decimal and hex strings with correct rounding; and math.h
 * functions printed as hex floats so every bit is compared. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const double values[] = {
    0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3, 2.0 / 3, 123456.789, 1e21, 1e-7, 5e-324, 2.2250738585072014e-308,
    DBL_MAX, 9007199254740993.0, 0.5, 2.5, 3.5, -2.5, 1e100, 6.02214076e23, M_PI, M_E,
};

int main(void)
{
    for (unsigned i = 0; i < sizeof values / sizeof values[0]; i++) {
        double v = values[i];
        printf("%.17g | %f | %.3e | %g | %a\n", v, v, v, v, v);
    }
    /* specials, widths and flags */
    printf("[%f] [%f] [%f] [%e] [%g]\n", INFINITY, -INFINITY, NAN, -NAN, INFINITY);
    printf("[%10.3f] [%-10.2f] [%+.1f] [% .0f] [%#.0f] [%010.4f]\n", M_PI, M_E, 2.25, 2.5, 3.0, -1.5);
    printf("[%.0f] [%.0f] [%.0f] [%.0f]\n", 0.5, 1.5, 2.5, -0.5);
    printf("[%.20f] [%.30e]\n", 0.1, 1.0 / 3);
    printf("[%g] [%g] [%g] [%g] [%#g] [%.10g]\n", 100000.0, 1000000.0, 0.0001, 0.00001, 1.0, 2.0 / 3);
    printf("[%A] [%.3a] [%a] [%La]\n", 255.5, M_PI, 0x1p-1074, 1.0L / 3);
    printf("[%.40Lf]\n", 1.0L / 7);
    printf("[%f] [%e]\n", (float)0.1f, FLT_MIN);

    const char *inputs[] = { "0.1", "1e400", "-1e-400", "2.4703282292062327e-324", "2.4703282292062328e-324",
                             "0x1.8p3", "inf", "-nan", "  +17.5e-1xyz", "9007199254740993",
                             "1.00000000000000011102230246251565404236316680908203125", "4.9e-324" };
    for (unsigned i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char *end;
        double d = strtod(inputs[i], &end);
        printf("strtod(\"%s\") = %a rest '%s'\n", inputs[i], d, end);
    }
    printf("strtof(0.1) = %a\n", (double)strtof("0.1", NULL));

    /* math.h: volatile keeps the calls from being folded at compile time */
    volatile double x = 0.7, y = 2.5, big = 1e10, neg = -3.25;
    printf("sin %a %a %a\n", sin(x), sin(big), sin(neg));
    printf("cos %a tan %a\n", cos(x), tan(x));
    printf("exp %a %a %a\n", exp(x), exp(y * 100), exp(-y * 400));
    printf("log %a %a %a\n", log(x), log(big), log10(big));
    printf("pow %a %a %a\n", pow(x, y), pow(neg, 3.0), pow(2.0, -1074.0));
    printf("sqrt %a %a cbrt %a\n", sqrt(y), sqrt(big), cbrt(neg));
    printf("fmod %a %a %a\n", fmod(big, y), fmod(neg, 1.0), fmod(y, x));
    printf("atan2 %a hypot %a\n", atan2(neg, y), hypot(x, y));
    printf("floor %g ceil %g round %g trunc %g rint %g\n", floor(neg), ceil(neg), round(neg), trunc(neg),
           rint(y));
    printf("lround %ld llrint %lld\n", lround(y), llrint(-y));
    printf("isnan %d isinf %d signbit %d\n", isnan(sqrt(-x)), isinf(exp(big)), signbit(-0.0));
    printf("sinf %a expf %a powf %a\n", (double)sinf((float)x), (double)expf((float)y),
           (double)powf((float)x, (float)y));
    double acc = 0;
    for (int i = 1; i <= 1000; i++)
        acc += sin(i * 0.001) * exp(-i * 0.002) / sqrt((double)i);
    printf("series %.17g %a\n", acc, acc);
    return 0;
}
